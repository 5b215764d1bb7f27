"""Frequency caps follow the channel a send really used (pure).

A release counts a capped send on the first channel it may use. The dispatcher may fall
back to a later one; its outcome names the channel used. Moving the count means: one
send less on the planned channel's scope (if that day's count still holds it) and one
more on the used channel's, for the recipient's day of the release. The `*` scope is
one send either way and never changes. A released send remembers the channel it is
counted on, so the same outcome delivered twice moves nothing the second time.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from herald.contracts.internal import Outcome, OutcomeKind
from herald.scheduler.domain.caps import Usage
from herald.scheduler.domain.policy import Caps

USED = frozenset({OutcomeKind.SENT, OutcomeKind.DELIVERED})


@dataclass(frozen=True, slots=True)
class Counted:
    """A released capped send: the channel its cap usage is counted on, on which day
    (the recipient's calendar) and when it was released."""

    delivery_id: str
    tenant: str
    recipient_id: str
    channel: str
    day: date
    released_at: datetime


def used_channels(outcomes: list[Outcome]) -> dict[str, str]:
    """Delivery id -> the channel the dispatcher used, for outcomes that reached one
    (the last outcome of a delivery wins)."""
    return {
        o.delivery_id: str(o.channel)
        for o in outcomes
        if o.outcome in USED and o.channel is not None
    }


def moved(caps: Caps, usage: Mapping[str, Usage], c: Counted, used: str) -> dict[str, Usage]:
    """The usage rows that change when send `c`, counted on `c.channel`, went on `used`."""
    if used == c.channel:
        return {}
    out: dict[str, Usage] = {}
    if c.channel in caps.channels:
        u = usage.get(c.channel)
        if u is not None and u.day == c.day and u.sent > 0:
            out[c.channel] = Usage(u.day, u.sent - 1, u.last_at)
    if used in caps.channels:
        out[used] = _plus_one(usage.get(used, Usage()), c.day, c.released_at)
    return out


def _plus_one(u: Usage, day: date, at: datetime) -> Usage:
    last = at if u.last_at is None else max(u.last_at, at)
    if u.day == day:
        return Usage(day, u.sent + 1, last)
    if u.day is None or u.day < day:
        return Usage(day, 1, last)
    return Usage(u.day, u.sent, last)  # a later day is counted already: this send was before
