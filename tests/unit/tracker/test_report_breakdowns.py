"""Reports by provider with failure reasons, per label value, and the label parameter."""

import csv
import io

import pytest

from herald.runtime.problems import Problem
from herald.tracker.domain.report import build_range_reports, combine
from herald.tracker.http.label_filter import parse_label
from herald.tracker.http.report_csv import to_csv


def row(grp: str, provider: str, outcome: str, n: int, reason: str = "") -> dict[str, object]:
    delivered = n if outcome == "delivered" else 0
    return {"grp": grp, "channel": "sms", "provider": provider, "outcome": outcome,
            "reason": reason, "n": n, "delivered": delivered, "opened": 0, "read": 0,
            "clicked": 0}  # fmt: skip


ROWS = [
    row("spring", "aliyun", "delivered", 3),
    row("spring", "tencent", "failed", 2, "provider_failed"),
    row("spring", "tencent", "failed", 1, "rate_limited"),
    row("autumn", "aliyun", "delivered", 1),
]


def test_each_provider_of_a_channel_has_its_counts_and_failures_by_reason() -> None:
    reports = build_range_reports(ROWS, group="grp")
    spring = reports["spring"].as_json()
    assert spring["providers"]["sms"]["tencent"]["failed"] == 3
    assert spring["providers"]["sms"]["tencent"]["failed_by_reason"] == {
        "provider_failed": 2,
        "rate_limited": 1,
    }
    assert spring["providers"]["sms"]["aliyun"]["read_rate"] == 0.0
    assert spring["channels"]["sms"]["failed"] == 3


def test_the_total_adds_the_providers_of_every_value() -> None:
    total = combine(build_range_reports(ROWS, group="grp").values()).as_json()
    assert total["providers"]["sms"]["aliyun"]["delivered"] == 4
    assert total["recipients"] == 7


def test_rows_without_a_provider_column_add_no_provider_breakdown() -> None:
    bare = [{k: v for k, v in r.items() if k != "provider"} for r in ROWS]
    assert build_range_reports(bare, group="grp")["spring"].as_json()["providers"] == {}


def test_csv_groups_by_label_with_a_row_per_provider_when_asked() -> None:
    reports = build_range_reports(ROWS, group="grp")
    text = to_csv(reports, providers=True, group="label")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["label"], r["channel"], r["provider"]) for r in rows] == [
        ("autumn", "all", ""),
        ("autumn", "sms", ""),
        ("autumn", "sms", "aliyun"),
        ("spring", "all", ""),
        ("spring", "sms", ""),
        ("spring", "sms", "aliyun"),
        ("spring", "sms", "tencent"),
    ]
    assert rows[6]["failed_by_reason"] == "provider_failed=2;rate_limited=1"
    plain = list(csv.DictReader(io.StringIO(to_csv(reports, group="label"))))
    assert all(r["provider"] == "" for r in plain)


@pytest.mark.parametrize(
    ("given", "want"),
    [("campaign:spring", ("campaign", "spring")), ("campaign", ("campaign", None)),
     ("c:a:b", ("c", "a:b")), ("c:", ("c", ""))],
)  # fmt: skip
def test_a_label_is_key_value_or_key(given: str, want: tuple[str, str | None]) -> None:
    assert parse_label(given) == want


@pytest.mark.parametrize("given", ["", ":x", "a b:c", "ключ:x", "k" * 65])
def test_a_label_needs_a_valid_key(given: str) -> None:
    with pytest.raises(Problem):
        parse_label(given)
