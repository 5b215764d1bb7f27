"""Pacing: a token bucket per (tenant, channel), holding at most one second of sends."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime


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
