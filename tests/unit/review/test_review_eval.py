"""Review catches what a regulator's check would, on the labelled push texts in
bench/review_eval: recall and false-positive rate may not fall below what was reached
(bench/review_eval/floors.json), overall and per category."""

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

EVAL = Path(__file__).parents[3] / "bench" / "review_eval"
FLOORS = json.loads((EVAL / "floors.json").read_text(encoding="utf-8"))


def _score_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("review_eval_score", EVAL / "score.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SCORE = _score_module()
ENGINE = SCORE.default_engine()


def test_the_set_is_large_and_labelled_as_promised() -> None:
    samples = SCORE.load("all")
    flagged = [s for s in samples if s.expect]
    assert len(samples) >= 600
    assert len(flagged) >= 250
    assert len(samples) - len(flagged) >= 350
    assert {c for s in flagged for c in s.expect} >= {
        "pornography", "gambling", "drugs", "weapons", "fraud", "illegal_trade",
        "terrorism", "violence", "superstition", "rumours", "insults", "advertising",
        "links",
    }  # fmt: skip
    assert {s.evasion for s in flagged} >= {
        "plain", "pinyin", "initials", "homophone", "confusable", "split", "digits",
        "traditional",
    }  # fmt: skip


@pytest.mark.parametrize("split", ["dev", "holdout"])
def test_recall_and_false_positive_rate_hold_their_floors(split: str) -> None:
    result = SCORE.score(ENGINE, SCORE.load(split))
    floor = FLOORS[split]
    misses = "\n".join(result["misses"])
    assert result["recall"] >= floor["recall"], misses
    assert result["fpr"] <= floor["fpr"], misses
    for category, scored in result["by_category"].items():
        if scored["recall"] is not None:
            assert scored["recall"] >= floor["recall_by_category"][category], misses
        assert scored["fpr"] <= floor["fpr_by_category"].get(category, 0.0), misses


def test_the_floors_meet_the_target() -> None:
    for floor in FLOORS.values():
        assert floor["recall"] >= 0.98
        assert floor["fpr"] <= 0.02
