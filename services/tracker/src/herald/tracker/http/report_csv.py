"""Reports as CSV: one row per department (or label value) for all channels, then one
per channel, and with `providers` one per provider after its channel's. Pure.

The `all` row carries every column; a channel row leaves the columns that have no
channel (suppressed, expired, cancelled, recipients) empty; a provider row also names
its `provider`. `failed_by_reason` is `reason=n` pairs joined by `;`. The four trailing
columns were added later (provider and failure reasons by issue 21, unsubscribes by issue
19), after every earlier column, whose order is unchanged.
"""

import csv
import io
from collections.abc import Mapping

from herald.tracker.domain.report import ProviderTally, Report, Tally

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
    "provider",
    "failed_by_reason",
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


def _reasons(counts: Mapping[str, int]) -> str:
    return _text(";".join(f"{k}={n}" for k, n in sorted(counts.items())))


def report_rows(
    department: str, report: Report, *, providers: bool = False, group: str = "department"
) -> list[dict[str, str]]:
    name = _text(department)
    rows = [
        {
            group: name,
            "channel": "all",
            "recipients": str(report.recipients),
            "suppressed": str(sum(report.suppressed.values())),
            "expired": str(report.expired),
            "cancelled": str(report.cancelled),
            **_tally_cells(report.total),
            "failed_by_reason": _reasons(report.failed),
        }
    ]
    for channel, tally in sorted(report.channels.items()):
        by_provider = report.providers.get(channel, {})
        failed: dict[str, int] = {}
        for pt in by_provider.values():
            for k, n in pt.failed_by_reason.items():
                failed[k] = failed.get(k, 0) + n
        row = {group: name, "channel": _text(channel), **_tally_cells(tally)}
        rows.append(row | {"failed_by_reason": _reasons(failed)} if by_provider else row)
        if providers:
            rows += [_provider_row(group, name, channel, p, t) for p, t in by_provider.items()]
    return rows


def _provider_row(
    group: str, name: str, channel: str, provider: str, t: ProviderTally
) -> dict[str, str]:
    return {
        group: name,
        "channel": _text(channel),
        **_tally_cells(t),
        "provider": _text(provider),
        "failed_by_reason": _reasons(t.failed_by_reason),
    }


def to_csv(
    reports: Mapping[str, Report], *, providers: bool = False, group: str = "department"
) -> str:
    """`{department: report}` (or `{label value: report}` with `group="label"`) as CSV
    text with a header row."""
    out = io.StringIO()
    columns = (group, *COLUMNS[1:])
    writer = csv.DictWriter(out, fieldnames=columns, restval="", lineterminator="\r\n")
    writer.writeheader()
    for name, report in reports.items():
        writer.writerows(report_rows(name, report, providers=providers, group=group))
    return out.getvalue()
