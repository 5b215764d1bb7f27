"""Frequency-cap usage as it will stand at a future instant (pure), for the dry run.

Usage as it stands now, plus the sends other requests already have queued for the
recipient (their timers) that are due by then: each counted as a release would count it
(`caps.used` on `*` and on its channel, when the policy caps that), at its due time, or
now if it is overdue. Only categories the policy caps use up usage, as at release.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from herald.contracts import Category, Channel
from herald.scheduler.domain import caps
from herald.scheduler.domain.pacing import channel_of
from herald.scheduler.domain.policy import Caps, TenantPolicy
from herald.scheduler.domain.verdict import capped

_CHANNELS = {str(c) for c in Channel}
_CATEGORIES = {str(c) for c in Category}


@dataclass(frozen=True, slots=True)
class QueuedSend:
    """A send another request has waiting for a recipient (one timer)."""

    due_at: datetime
    lane: str
    """The channel it is paced on: the one its usage is counted on."""
    category: str


def counted(policy: TenantPolicy, queued: Sequence[QueuedSend], now: datetime) -> list[QueuedSend]:
    """The queued sends that will use up cap usage, in the order they go (overdue: now)."""
    kept = [
        QueuedSend(max(q.due_at, now), q.lane, q.category)
        for q in queued
        if q.category in _CATEGORIES and capped(policy, Category(q.category))
    ]
    return sorted(kept, key=lambda q: q.due_at)


def usage_at(
    rules: Caps,
    usage: Mapping[str, caps.Usage],
    queued: Sequence[QueuedSend],
    at: datetime,
    zone: ZoneInfo,
) -> dict[str, caps.Usage]:
    """`usage` once the `queued` sends (from `counted`) due by `at` have gone."""
    out = dict(usage)
    for q in queued:
        if q.due_at > at:
            break
        scopes = [caps.ALL] if rules.all else []
        channel = channel_of(q.lane)
        if channel in _CHANNELS and Channel(channel) in rules.channels:
            scopes.append(channel)
        for scope in scopes:
            out[scope] = caps.used(out.get(scope, caps.Usage()), q.due_at, zone)
    return out
