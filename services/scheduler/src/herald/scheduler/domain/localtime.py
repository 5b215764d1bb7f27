"""Wall clocks in IANA time zones, correct across DST changes."""

import functools
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from herald.contracts import QuietHours


@functools.lru_cache(maxsize=1024)
def zone_or(name: str | None, fallback: str) -> ZoneInfo:
    """The recipient's zone, or the fallback when absent or unknown."""
    for candidate in (name, fallback, "UTC"):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def at_wall(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The instant a clock in `zone` shows `wall` on `day`.

    A wall time skipped by a DST change moves forward by the gap (02:30 -> 03:30); a
    repeated one is its first occurrence (fold=0), as PEP 495 defines.
    """
    return datetime.combine(day, wall, tzinfo=zone).astimezone(UTC)


def parse_clock(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def in_window(quiet: QuietHours, at: datetime, zone: ZoneInfo) -> bool:
    start, end = parse_clock(quiet.start), parse_clock(quiet.end)
    now = at.astimezone(zone).time()
    if start == end:
        return False
    if start < end:
        return start <= now < end
    return now >= start or now < end


def window_end(quiet: QuietHours, at: datetime, zone: ZoneInfo) -> datetime:
    """When the quiet window `at` falls in ends (call only when `in_window`)."""
    start, end = parse_clock(quiet.start), parse_clock(quiet.end)
    local = at.astimezone(zone)
    day = local.date()
    if start > end and local.time() >= start:
        day = date.fromordinal(day.toordinal() + 1)
    return at_wall(day, end, zone)
