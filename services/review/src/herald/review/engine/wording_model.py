"""The learned second opinion: a linear model over hashed n-grams (wording_features).

It reads what the dictionaries cannot list: plain wording of a violation in words no
entry names. Trained offline on the development set and holdout1-19, never holdout20
(bench/review_eval/train_wording.py); its weights ship beside this module as
`wording_model.npz` (float16, 0.55 MB compressed; the category head int8). Pure numpy: a
4,000-character body is scored in about 3 ms of CPU (p99 4-6 ms, bench/review_engine.py).

`score` is the probability-like score of the text being a violation; `leaning` the
category its category head ranks first (a hint for the reviewer, not a verdict).
"""

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from herald.review.engine.wording_features import BUCKETS, Features, features, scale

MODEL_FILE = Path(__file__).with_name("wording_model.npz")


@dataclass(frozen=True)
class WordingModel:
    name: str
    weights: npt.NDArray[np.float32]
    bias: float
    categories: tuple[str, ...]
    category_weights: npt.NDArray[np.float32]
    """One row per category, over `category_buckets` buckets (a feature's bucket modulo)."""
    category_bias: npt.NDArray[np.float32]

    def score(self, original: str, folded: str) -> tuple[float, str]:
        """The score in [0, 1] and the category the text leans to."""
        found = features(original, folded)
        if not len(found):
            return 0.0, ""
        return self.score_features(found)

    def score_features(self, found: Features) -> tuple[float, str]:
        worth = scale(len(found))
        logit = self.bias + float(self.weights[found].sum()) * worth
        rows = self.category_weights[:, found % self.category_weights.shape[1]]
        leaning = self.categories[int(np.argmax(rows.sum(axis=1) * worth + self.category_bias))]
        return float(1.0 / (1.0 + np.exp(-logit))), leaning


def load(path: Path = MODEL_FILE) -> WordingModel:
    with np.load(path) as data:
        weights = data["weights"].astype(np.float32)
        if len(weights) != BUCKETS:
            raise ValueError(f"{path}: {len(weights)} buckets, the features hash to {BUCKETS}")
        return WordingModel(
            name=str(data["name"]),
            weights=weights,
            bias=float(data["bias"]),
            categories=tuple(str(c) for c in data["categories"]),
            category_weights=data["category_weights"].astype(np.float32)
            * float(data["category_scale"]),
            category_bias=data["category_bias"].astype(np.float32),
        )


@lru_cache(maxsize=1)
def shipped() -> WordingModel:
    """The model shipped with the package (loaded once, on first use)."""
    return load()
