"""Score review's engine on the labelled push texts of this folder.

Each `.tsv` line is `expect<TAB>request category<TAB>evasion<TAB>text`: `expect` lists
the categories a regulator's check would flag (comma-separated; `-` for a clean text).
A text is flagged for a category when the engine yields a sensitive-term finding of that
category or, for `links`, a link finding, at any severity. Recall per category: of the
texts expecting it, the share flagged for it. False-positive rate per category: of the
clean texts, the share flagged for it; overall: the share flagged for anything.

With `--with-model` a text is also flagged when the learned second opinion holds it
(rule `plain_wording`; counted for the categories the text expects, `plain_wording` on a
clean text): dictionaries + model, beside the dictionaries alone without it.
`holdout15` is not in `holdout` (the floors' aggregate): it was scored once to measure the
model, then tuned on (issue 15); nor are `holdout16` to `holdout19`, each scored once
before its round of widening and then tuned on (README); nor `holdout20`, never trained
or tuned on.

    .venv/bin/python bench/review_eval/score.py [dev|holdout|holdout1..holdout20|all] [--with-model]
"""

import json
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from herald.contracts import PushRequest

HERE = Path(__file__).resolve().parent
SPLITS = {
    "dev": ("dev_flagged.tsv", "dev_clean.tsv"),
    "holdout": tuple(f"holdout{n}.tsv" for n in ("", *range(2, 15))),
    "holdout1": ("holdout.tsv",),
    **{f"holdout{n}": (f"holdout{n}.tsv",) for n in range(2, 21)},
}


@dataclass(frozen=True)
class Sample:
    expect: frozenset[str]
    category: str
    evasion: str
    text: str


def load(split: str = "all") -> list[Sample]:
    wanted = ("dev", "holdout") if split == "all" else (split,)
    names = [n for s in wanted for n in SPLITS[s]]
    found = []
    for name in names:
        for line in (HERE / name).read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            expect, category, evasion, text = line.split("\t", 3)
            labels = frozenset() if expect == "-" else frozenset(expect.split(","))
            found.append(Sample(labels, category, evasion, text))
    return found


def request_of(sample: Sample, i: int) -> PushRequest:
    return PushRequest.model_validate(
        {
            "request_id": f"eval-{i}",
            "tenant": "acme",
            "requester": {"department": "marketing", "user": "li.wei"},
            "goal": "evaluation",
            "category": sample.category,
            "channels": ["app_push"],
            "content": {"title": "通知", "body": sample.text},
            "audience": {"all": True},
        }
    )


def flagged(engine: object, sample: Sample, i: int, with_model: bool = False) -> set[str]:
    found = engine.evaluate(request_of(sample, i))  # type: ignore[attr-defined]
    got = {
        "links" if f.rule == "links" else f.category
        for f in found
        if f.rule in ("sensitive_terms", "links")
    }
    if with_model and any(f.rule == "plain_wording" for f in found):
        got |= sample.expect or {"plain_wording"}
    return got


def score(engine: object, samples: Iterable[Sample], with_model: bool = False) -> dict[str, object]:
    expected: Counter[str] = Counter()
    caught: Counter[str] = Counter()
    false: Counter[str] = Counter()
    clean = hits = flagged_texts = false_texts = 0
    misses: list[str] = []
    for i, sample in enumerate(samples):
        got = flagged(engine, sample, i, with_model)
        if sample.expect:
            flagged_texts += 1
            hits += bool(got & sample.expect)
            for c in sample.expect:
                expected[c] += 1
                caught[c] += c in got
                if c not in got:
                    misses.append(f"missed {c} [{sample.evasion}]: {sample.text}")
        else:
            clean += 1
            false_texts += bool(got)
            false.update(got)
            misses += [f"false {c}: {sample.text}" for c in sorted(got)]
    categories = sorted(set(expected) | set(false))
    return {
        "recall": round(hits / max(flagged_texts, 1), 4),
        "fpr": round(false_texts / max(clean, 1), 4),
        "flagged_texts": flagged_texts,
        "clean_texts": clean,
        "by_category": {
            c: {
                "expected": expected[c],
                "recall": round(caught[c] / expected[c], 4) if expected[c] else None,
                "fpr": round(false[c] / max(clean, 1), 4),
            }
            for c in categories
        },
        "misses": misses,
    }


def default_engine() -> object:
    from herald.review.adapters.dictionaries import Dictionaries
    from herald.review.engine.engine import Engine
    from herald.review.policy import Policy

    policy = Policy()
    return Engine(policy, Dictionaries(policy, None).matcher)


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "--with-model"]
    split = args[0] if args else "all"
    with_model = "--with-model" in sys.argv
    result = score(default_engine(), load(split), with_model)
    misses = result.pop("misses")
    header = {"split": split, "with_model": with_model}
    print(json.dumps(header | result, ensure_ascii=False, indent=1))
    for line in misses:  # type: ignore[attr-defined]
        print(line, file=sys.stderr)


if __name__ == "__main__":
    main()
