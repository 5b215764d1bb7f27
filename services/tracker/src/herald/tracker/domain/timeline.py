"""Reports over time: the outcomes of each hour or day with their engagement. Pure.

A bucket holds the deliveries whose outcome fell in it (UTC), counted as every report
counts them (domain.report), so its read and click rates are those of the pushes sent
in that hour or day, whenever they were read. Buckets with nothing in them are there,
with zeros, so that a chart's time axis has no gaps.
"""

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from herald.tracker.domain.report import Report

Bucket = Literal["hour", "day"]
STEP: dict[str, timedelta] = {"hour": timedelta(hours=1), "day": timedelta(days=1)}
MAX_SPAN: dict[str, timedelta] = {"hour": timedelta(days=31), "day": timedelta(days=366)}
"""The longest range each bucket size answers (744 hours, 366 days)."""


def floor(at: datetime, bucket: str) -> datetime:
    """The start of the bucket `at` falls in (UTC)."""
    at = at.astimezone(UTC)
    if bucket == "day":
        return at.replace(hour=0, minute=0, second=0, microsecond=0)
    return at.replace(minute=0, second=0, microsecond=0)


def starts(since: datetime, until: datetime, bucket: str) -> list[datetime]:
    """Every bucket from the one `since` falls in up to `until` (exclusive)."""
    out, at = [], floor(since, bucket)
    while at < until:
        out.append(at)
        at += STEP[bucket]
    return out


def build_timeline(
    rows: Iterable[Mapping[str, Any]], since: datetime, until: datetime, bucket: str
) -> list[dict[str, Any]]:
    """One entry per bucket: `start`, the outcomes in it (`recipients`), the counts and
    rates of every report, and the same per channel."""
    by_start: dict[datetime, Report] = {}
    for row in rows:
        report = by_start.setdefault(row["bucket"].astimezone(UTC), Report(0))
        report.recipients += row["n"]
        report.add(row)
    return [_entry(start, by_start.get(start, Report(0))) for start in starts(since, until, bucket)]


def _entry(start: datetime, report: Report) -> dict[str, Any]:
    return {
        "start": start.isoformat(),
        "recipients": report.recipients,
        "suppressed": sum(report.suppressed.values()),
        **report.total.as_json(),
        "channels": {c: t.as_json() for c, t in sorted(report.channels.items())},
    }
