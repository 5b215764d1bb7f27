"""When a failed delivery is tried again, and when it is given up. Pure.

Exponential backoff with jitter: the n-th failure waits between half and all of
`base * 2^(n-1)`, capped at `cap`, so that receivers coming back up are not hit by every
sender at the same instant. A delivery whose next try would fall after its deadline
(`max age` after it was queued or replayed) is failed instead.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class Backoff:
    base_s: float
    cap_s: float
    jitter: Callable[[], float] = random.random

    def delay(self, failures: int) -> timedelta:
        """How long to wait after the `failures`-th failed attempt (1, 2, ...)."""
        full = min(self.cap_s, self.base_s * 2 ** max(0, failures - 1))
        return timedelta(seconds=full / 2 + self.jitter() * full / 2)


def next_try(backoff: Backoff, failures: int, now: datetime, deadline: datetime) -> datetime | None:
    """When to try again; None when that would be past the deadline (give up)."""
    at = now + backoff.delay(failures)
    return at if at <= deadline else None
