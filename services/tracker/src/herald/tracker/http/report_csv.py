"""Reports as CSV: one row per department for all channels, then one per channel. Pure.

The `all` row carries every column; a channel row leaves the columns that have no
channel (suppressed, expired, cancelled, recipients) empty.
"""

import csv
import io
from collections.abc import Mapping

from herald.tracker.domain.report import Report, Tally

COLUMNS = (
    "department",
    "channel",
    "recipients",
    "sent",
    "delivered",
    "failed",
    "suppressed",
    "expired",
    "cancelled",
    "opened",
    "read",
    "clicked",
    "read_rate",
    "click_rate",
    "unsubscribed",
    "unsubscribe_rate",
)


def _text(value: str) -> str:
    """Text a spreadsheet would run as a formula is quoted (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _fmt(value: float | int | None) -> str:
    return "" if value is None else str(value)


def _tally_cells(t: Tally) -> dict[str, str]:
    rates = t.rates()
    return {
        "sent": str(t.sent),
        "delivered": str(t.delivered),
        "failed": str(t.failed),
        "opened": str(t.opened),
        "read": str(t.read),
        "clicked": str(t.clicked),
        "read_rate": _fmt(rates["read_rate"]),
        "click_rate": _fmt(rates["click_rate"]),
        "unsubscribed": str(t.unsubscribed),
        "unsubscribe_rate": _fmt(rates["unsubscribe_rate"]),
    }


def report_rows(department: str, report: Report) -> list[dict[str, str]]:
    rows = [
        {
            "department": _text(department),
            "channel": "all",
            "recipients": str(report.recipients),
            "suppressed": str(sum(report.suppressed.values())),
            "expired": str(report.expired),
            "cancelled": str(report.cancelled),
            **_tally_cells(report.total),
        }
    ]
    for channel, tally in sorted(report.channels.items()):
        rows.append(
            {"department": _text(department), "channel": _text(channel), **_tally_cells(tally)}
        )
    return rows


def to_csv(reports: Mapping[str, Report]) -> str:
    """`{department: report}` as CSV text with a header row."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, restval="", lineterminator="\r\n")
    writer.writeheader()
    for department, report in reports.items():
        writer.writerows(report_rows(department, report))
    return out.getvalue()
