"""Send-time optimisation: each recipient's best local hour from their engagement (pure).

Every engaged event (opened, read, clicked, converted) of the window counts for the hour
of the day it happened in, **in the recipient's own zone** (their `timezone`, else the
tenant's), so a habit of reading at 08:00 stays 08:00 across DST changes. Recent events
weigh more: an event `age` old weighs `0.5 ** (age / half_life)` (exponential decay),
so a habit that changed wins over an older one within a few half-lives. A send moves
only on enough evidence: fewer than `min_events` events in the window (counted, not
weighed) and the recipient keeps the request's time. Ties go to the earlier hour.

Storage computes the same weights in SQL (`adapters/postgres/engagement.py`);
`histogram` is the reference the unit tests and fakes use.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True, slots=True)
class HourEvidence:
    """One local hour of one recipient: the decayed weight and number of its events."""

    hour: int
    weight: float
    events: int


def weight(age: timedelta, half_life: timedelta) -> float:
    """An event's weight: 1 now, 1/2 one half-life ago (events dated ahead weigh 1)."""
    return float(0.5 ** (max(age, timedelta(0)) / half_life))


def histogram(
    events: Iterable[datetime], zone: ZoneInfo, now: datetime, half_life: timedelta
) -> list[HourEvidence]:
    """The evidence per local hour of a recipient's engaged events."""
    weights: dict[int, float] = {}
    counts: dict[int, int] = {}
    for at in events:
        h = at.astimezone(zone).hour
        weights[h] = weights.get(h, 0.0) + weight(now - at, half_life)
        counts[h] = counts.get(h, 0) + 1
    return [HourEvidence(h, weights[h], counts[h]) for h in sorted(weights)]


def best_hour(evidence: Iterable[HourEvidence], min_events: int) -> int | None:
    """The local hour with the most weight, or None below `min_events` events."""
    hours = list(evidence)
    if not hours or sum(e.events for e in hours) < min_events:
        return None
    return max(hours, key=lambda e: (e.weight, -e.hour)).hour
