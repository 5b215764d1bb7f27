"""Reports as CSV."""

import csv
import io

from herald.tracker.domain.report import build_report
from herald.tracker.http.report_csv import COLUMNS, to_csv


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_one_all_row_per_department_then_one_per_channel() -> None:
    report = build_report(
        5,
        [
            {"channel": "sms", "outcome": "delivered", "reason": "", "n": 4,
             "delivered": 4, "opened": 1, "read": 0, "clicked": 2},
            {"channel": "", "outcome": "suppressed", "reason": "opted_out", "n": 1,
             "delivered": 0, "opened": 0, "read": 0, "clicked": 0},
        ],
    )  # fmt: skip
    text = to_csv({"marketing": report})
    assert text.splitlines()[0] == ",".join(COLUMNS)
    everything, sms = rows_of(text)
    assert everything["channel"] == "all"
    assert (everything["recipients"], everything["suppressed"], everything["delivered"]) == (
        "5",
        "1",
        "4",
    )
    assert (everything["read_rate"], everything["click_rate"]) == ("0.25", "0.5")
    assert sms["channel"] == "sms"
    assert sms["suppressed"] == ""  # no channel for what was never sent


def test_nothing_delivered_leaves_the_rates_empty() -> None:
    [row] = rows_of(to_csv({"ops": build_report(0, [])}))
    assert (row["read_rate"], row["click_rate"]) == ("", "")


def test_a_department_that_looks_like_a_formula_is_quoted() -> None:
    [row] = rows_of(to_csv({"=HYPERLINK(1)": build_report(0, [])}))
    assert row["department"] == "'=HYPERLINK(1)"
