"""`submit --dry-run` as tables: a sampled answer says which figures are extrapolated."""

import pytest

from herald.heraldctl.dry_run import _show
from herald.heraldctl.render import Output

ANSWER = {
    "dry_run": True,
    "valid": True,
    "request_id": "r-1",
    "schedule": {"audience": 90, "would_send": 88, "figures": {"audience": "exact"}},
    "figures": {"schedule.audience": "exact", "schedule.would_send": "extrapolated"},
}


def test_a_sampled_dry_run_names_the_extrapolated_figures(
    capsys: pytest.CaptureFixture[str],
) -> None:
    sample = {"timed": 40, "reachable": 90, "share": 0.4444}
    _show(Output(as_json=False), {"request_id": "r-1", "report": ANSWER | {"sample": sample}})
    out = " ".join(capsys.readouterr().out.split())  # as wide as the terminal, or 80
    assert "timed a sample of 40 of 90 reachable recipients (44.4%)" in out
    assert "extrapolated from it: schedule.would_send" in out
    assert "schedule.figures" not in out


def test_an_exact_dry_run_says_nothing_of_samples(capsys: pytest.CaptureFixture[str]) -> None:
    _show(Output(as_json=False), {"request_id": "r-1", "report": ANSWER | {"sample": None}})
    assert "sample" not in capsys.readouterr().out
