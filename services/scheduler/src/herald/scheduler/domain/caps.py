"""Frequency caps: how many sends a recipient had today (their calendar day) and when.

The usage rows are stored and locked while a release decides (`ports.Claim.lock_usage`);
these functions only reason about them.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from herald.contracts import Channel
from herald.scheduler.domain.localtime import at_wall
from herald.scheduler.domain.policy import CapRule, Caps

ALL = "*"
"""The scope of the cap across every channel; channel caps use the channel's name."""


@dataclass(frozen=True, slots=True)
class Usage:
    day: date | None = None
    sent: int = 0
    last_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class CapCheck:
    channels: tuple[Channel, ...]
    """What may be used now; empty means wait until `retry_at`."""
    retry_at: datetime | None = None


def next_allowed(rule: CapRule, usage: Usage, now: datetime, zone: ZoneInfo) -> datetime | None:
    """None if a send is allowed now, else the earliest instant it would be."""
    later: list[datetime] = []
    today = now.astimezone(zone).date()
    if rule.per_day is not None and usage.day == today and usage.sent >= rule.per_day:
        later.append(at_wall(today + timedelta(days=1), time(0), zone))
    gap = rule.min_gap
    if gap is not None and usage.last_at is not None and now < usage.last_at + gap:
        later.append(usage.last_at + gap)
    return max(later) if later else None


def used(usage: Usage, now: datetime, zone: ZoneInfo) -> Usage:
    today = now.astimezone(zone).date()
    sent = usage.sent + 1 if usage.day == today else 1
    return Usage(today, sent, now)


def check(
    caps: Caps,
    usage: Mapping[str, Usage],
    channels: tuple[Channel, ...],
    now: datetime,
    zone: ZoneInfo,
) -> CapCheck:
    overall = next_allowed(caps.all, usage.get(ALL, Usage()), now, zone) if caps.all else None
    allowed: list[Channel] = []
    waits: list[datetime] = []
    for channel in channels:
        rule = caps.channels.get(channel)
        wait = next_allowed(rule, usage.get(channel, Usage()), now, zone) if rule else None
        if wait is None:
            allowed.append(channel)
        else:
            waits.append(wait)
    if overall is None and allowed:
        return CapCheck(tuple(allowed))
    return CapCheck((), max(overall, min(waits)) if overall and waits else overall or min(waits))


def record(
    caps: Caps, usage: Mapping[str, Usage], channel: Channel, now: datetime, zone: ZoneInfo
) -> dict[str, Usage]:
    """The usage rows a send on `channel` now changes."""
    scopes = [ALL] if caps.all else []
    if channel in caps.channels:
        scopes.append(str(channel))
    return {s: used(usage.get(s, Usage()), now, zone) for s in scopes}
