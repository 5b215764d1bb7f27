"""Train review's learned second opinion (engine/wording_model) on the tuned-on texts.

Reads the development set and holdout1 to holdout19 (every one already tuned on; never
holdout20, the honest measure of texts never seen: see README), folds each text with the
engine's own fold, hashes its n-grams (engine/wording_features) and fits, with numpy
alone, an L2-regularised logistic regression (full-batch Adam over the sparse rows):
violation or clean, and a one-vs-rest head per category on fewer buckets for the
category a held text leans to. Five-fold cross-validation on them gives out-of-fold
scores; the threshold printed is the lowest one at which the out-of-fold false-positive
rate on clean texts is at most `--fpr` in each language (English, and texts holding Han
characters, apart: English clean texts are fewer and score higher), and the policy's
default is set from it by hand.
Link-only texts are left out (the link rule judges those).

    uv run --frozen python bench/review_eval/train_wording.py [--fpr 0.01] [--write]
"""

import argparse
import json

import numpy as np
import numpy.typing as npt
from score import Sample, load

from herald.review.engine.normalize import fold
from herald.review.engine.wording_features import BUCKETS, features, scale
from herald.review.engine.wording_model import MODEL_FILE

CATEGORY_BUCKETS = 1 << 15
NAME = "plain-wording-lr-v2"
TRAIN_SPLITS = ("dev", "holdout1", *(f"holdout{n}" for n in range(2, 20)))
"""What it learns from: every set already tuned on; holdout20 stays out."""
F = npt.NDArray[np.float64]


class Rows:
    """Sparse rows: each text's buckets, each worth `scale` of their count."""

    def __init__(self, samples: list[Sample], modulo: int = BUCKETS) -> None:
        per = [features(s.text, fold(s.text).text) % modulo for s in samples]
        self.n, self.width = len(per), modulo
        self.row = np.concatenate([np.full(len(f), i) for i, f in enumerate(per)])
        self.col = np.concatenate(per)
        self.val = np.concatenate([np.full(len(f), scale(len(f))) for f in per])

    def dot(self, w: F) -> F:
        return np.bincount(self.row, w[self.col] * self.val, minlength=self.n)

    def t_dot(self, r: F) -> F:
        return np.bincount(self.col, r[self.row] * self.val, minlength=self.width)


def fit(x: Rows, y: F, l2: float = 1e-5, steps: int = 400, lr: float = 0.05) -> tuple[F, float]:
    """Logistic regression, class-balanced, by full-batch Adam."""
    w, b = np.zeros(x.width), 0.0
    m, v, mb, vb = np.zeros(x.width), np.zeros(x.width), 0.0, 0.0
    weight = np.where(y > 0, 0.5 / max(y.sum(), 1), 0.5 / max((1 - y).sum(), 1))
    for t in range(1, steps + 1):
        p = 1 / (1 + np.exp(-(x.dot(w) + b)))
        r = (p - y) * weight
        g, gb = x.t_dot(r) + l2 * w, r.sum()
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
        mb, vb = 0.9 * mb + 0.1 * gb, 0.999 * vb + 0.001 * gb * gb
        c1, c2 = 1 - 0.9**t, 1 - 0.999**t
        w -= lr * (m / c1) / (np.sqrt(v / c2) + 1e-8)
        b -= lr * (mb / c1) / (np.sqrt(vb / c2) + 1e-8)
    return w, b


def predict(x: Rows, w: F, b: float) -> F:
    return 1 / (1 + np.exp(-(x.dot(w) + b)))


def threshold_for(clean_scores: F, fpr: float) -> float:
    """The lowest threshold that flags at most `fpr` of these clean scores."""
    allowed = int(np.floor(fpr * len(clean_scores)))
    ranked = np.sort(clean_scores)[::-1]
    return float(ranked[allowed]) + 1e-6 if allowed < len(ranked) else 0.0


def cross_validate(samples: list[Sample], folds: int = 5) -> F:
    order = np.random.default_rng(15).permutation(len(samples))
    scores = np.zeros(len(samples))
    for k in range(folds):
        test = order[k::folds]
        train = np.setdiff1d(order, test)
        w, b = fit(Rows([samples[i] for i in train]), _labels([samples[i] for i in train]))
        scores[test] = predict(Rows([samples[i] for i in test]), w, b)
    return scores


def _english(text: str) -> bool:
    return not any(0x3400 <= ord(c) <= 0x9FFF for c in text)


def _labels(samples: list[Sample]) -> F:
    return np.array([1.0 if s.expect else 0.0 for s in samples])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fpr", type=float, default=0.01)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    texts = [s for split in TRAIN_SPLITS for s in load(split) if s.expect != {"links"}]
    y = _labels(texts)
    oof = cross_validate(texts)
    english = np.array([_english(s.text) for s in texts])
    threshold = max(threshold_for(oof[(y == 0) & (english == e)], args.fpr) for e in (0, 1))
    report = {
        "texts": len(texts),
        "threshold": round(threshold, 4),
        "oof_recall": round(float((oof[y == 1] >= threshold).mean()), 4),
        "oof_fpr": round(float((oof[y == 0] >= threshold).mean()), 4),
        "oof_english_recall": round(float((oof[(y == 1) & english] >= threshold).mean()), 4),
        "oof_english_fpr": round(float((oof[(y == 0) & english] >= threshold).mean()), 4),
    }
    print(json.dumps(report))
    if not args.write:
        return
    w, b = fit(Rows(texts), y)
    categories = sorted({c for s in texts for c in s.expect})
    small = Rows(texts, CATEGORY_BUCKETS)
    heads = [fit(small, np.array([float(c in s.expect) for s in texts])) for c in categories]
    rows = np.stack([h[0] for h in heads])
    step = float(np.abs(rows).max() / 127) or 1.0
    np.savez_compressed(
        MODEL_FILE,
        name=np.array(NAME),
        weights=w.astype(np.float16),
        bias=np.array(b),
        categories=np.array(categories),
        category_weights=np.round(rows / step).astype(np.int8),
        category_scale=np.array(step),
        category_bias=np.array([h[1] for h in heads], np.float32),
    )
    print(f"wrote {MODEL_FILE} ({MODEL_FILE.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
