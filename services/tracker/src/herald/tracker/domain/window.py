"""Which events tracker records: not before the retention horizon, not from the future. Pure."""

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Generic, TypeVar

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True, slots=True)
class Admitted(Generic[T]):
    kept: list[T] = field(default_factory=list)
    too_old: int = 0
    future: int = 0


def admit(
    items: Sequence[T],
    at: Callable[[T], datetime],
    horizon: datetime,
    latest: datetime | None = None,
) -> "Admitted[T]":
    """Keep items dated in [horizon, latest]; count the rest by why."""
    kept: list[T] = []
    too_old = future = 0
    for item in items:
        when = at(item)
        if when < horizon:
            too_old += 1
        elif latest is not None and when > latest:
            future += 1
        else:
            kept.append(item)
    return Admitted(kept, too_old, future)


def earliest(
    items: Iterable[T], key: Callable[[T], K], at: Callable[[T], datetime]
) -> dict[K, datetime]:
    """The earliest time of the items of each key."""
    first: dict[K, datetime] = {}
    for item in items:
        k, when = key(item), at(item)
        if k not in first or when < first[k]:
            first[k] = when
    return first


def latest_allowed(now: datetime, skew_s: int) -> datetime:
    return now + timedelta(seconds=skew_s)
