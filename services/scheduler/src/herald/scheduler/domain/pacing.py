"""Pacing: a token bucket per (tenant, channel), holding at most one second of sends."""

from datetime import datetime


def available(rate: float, tokens: float, refilled_at: datetime, now: datetime) -> float:
    elapsed = max(0.0, (now - refilled_at).total_seconds())
    return min(max(rate, 1.0), tokens + rate * elapsed)
