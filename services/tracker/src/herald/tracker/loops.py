"""Background loops that run a round every interval and survive failing rounds.

A failing round (Postgres away, a broker hiccup) is logged and counted, not raised:
readiness follows the consumers and the database ping, not these loops.
"""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import structlog

from herald.tracker.metrics import TrackerMetrics

log = structlog.get_logger(__name__)
Round = Callable[[], Awaitable[Any]]


def every(
    name: str, interval_s: float, round_: Round, metrics: TrackerMetrics
) -> Callable[[], Awaitable[None]]:
    async def loop() -> None:
        while True:
            try:
                await round_()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                metrics.loop_failures.labels(name).inc()
                log.warning("loop_round_failed", loop=name, error=f"{type(exc).__name__}: {exc}")
            await asyncio.sleep(interval_s)

    return loop
