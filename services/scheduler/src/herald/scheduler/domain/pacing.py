"""Pacing: a token bucket per (tenant, lane), holding at most one second of sends.

A lane is a channel, or a channel's critical lane (`critical:sms`): critical pushes
(`herald.contracts.critical`) are paced on a bucket of their own, with their own rate
(a policy's `critical_rates`), so a marketing backlog never spends their tokens.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

CRITICAL_PREFIX = "critical:"


def lane_for(channel: str, critical: bool) -> str:
    """The lane a send on `channel` is paced on."""
    return CRITICAL_PREFIX + channel if critical else channel


def channel_of(lane: str) -> str:
    """The channel a lane paces."""
    return lane.removeprefix(CRITICAL_PREFIX)


def is_critical_lane(lane: str) -> bool:
    return lane.startswith(CRITICAL_PREFIX)


@dataclass(frozen=True, slots=True)
class Bucket:
    """A lane's bucket as stored; `rate` None means unpaced."""

    tenant: str
    lane: str
    rate: float | None
    tokens: float
    refilled_at: datetime


@dataclass(frozen=True, slots=True)
class Budget:
    """How many sends a lane may take in one claim, and its tokens at claim time."""

    tenant: str
    lane: str
    rate: float | None
    sends: int
    tokens: float


def available(rate: float, tokens: float, refilled_at: datetime, now: datetime) -> float:
    elapsed = max(0.0, (now - refilled_at).total_seconds())
    return min(max(rate, 1.0), tokens + rate * elapsed)


def budgets(buckets: Sequence[Bucket], now: datetime, limit: int) -> list[Budget]:
    """Unpaced lanes may take the whole claim; paced ones what their bucket holds."""
    out = []
    for b in buckets:
        if b.rate is None:
            out.append(Budget(b.tenant, b.lane, None, limit, 0.0))
        else:
            tokens = available(b.rate, b.tokens, b.refilled_at, now)
            out.append(Budget(b.tenant, b.lane, b.rate, min(limit, int(tokens)), tokens))
    return out


def debited(
    budgets: Sequence[Budget], used: Mapping[tuple[str, str], int], now: datetime
) -> list[Bucket]:
    """The paced lanes' buckets once the sends `used` per (tenant, lane) are taken out."""
    return [
        Bucket(b.tenant, b.lane, b.rate, max(0.0, b.tokens - used.get((b.tenant, b.lane), 0)), now)
        for b in budgets
        if b.rate is not None
    ]
