"""Backoff and circuit breakers: pure decisions (backoff) and a small state machine
(Breaker) with an injected clock, so tests drive them without waiting."""

import random
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum


def backoff(
    attempt: int,
    base_s: float,
    cap_s: float,
    retry_after: float | None = None,
    rand: Callable[[], float] = random.random,
) -> float:
    """Full-jitter exponential backoff for the n-th attempt (1-based), at least Retry-After."""
    ceiling = min(cap_s, base_s * 2.0 ** max(0, attempt - 1))
    delay = ceiling / 2 + rand() * ceiling / 2
    return min(max(delay, retry_after or 0.0), max(cap_s, retry_after or 0.0))


class Circuit(IntEnum):
    CLOSED = 0
    OPEN = 1
    HALF_OPEN = 2


@dataclass
class Breaker:
    """Opens after `threshold` failures in a row; after `reset_s` lets one probe through
    (half-open): success closes it, failure opens it again."""

    threshold: int
    reset_s: float
    clock: Callable[[], float]
    on_change: Callable[[Circuit], None] = lambda _c: None
    failures: int = 0
    opened_at: float | None = None
    probing: bool = False

    @property
    def state(self) -> Circuit:
        if self.opened_at is None:
            return Circuit.CLOSED
        if self.clock() - self.opened_at >= self.reset_s:
            return Circuit.HALF_OPEN
        return Circuit.OPEN

    def wait_s(self) -> float:
        """Seconds until the breaker half-opens: 0 when closed or already half-open."""
        if self.opened_at is None:
            return 0.0
        return max(0.0, self.opened_at + self.reset_s - self.clock())

    def allow(self) -> bool:
        state = self.state
        if state is Circuit.CLOSED:
            return True
        if state is Circuit.HALF_OPEN and not self.probing:
            self.probing = True
            self.on_change(Circuit.HALF_OPEN)
            return True
        return False

    def success(self) -> None:
        was_open = self.opened_at is not None
        self.failures, self.opened_at, self.probing = 0, None, False
        if was_open:
            self.on_change(Circuit.CLOSED)

    def failure(self) -> None:
        self.failures += 1
        if self.probing or self.failures >= self.threshold:
            self.opened_at, self.probing = self.clock(), False
            self.on_change(Circuit.OPEN)
