"""How late the event loop runs what is due (`herald_event_loop_lag_seconds`).

A task asks to wake every `interval` and records by how much it woke late. A callback
that holds the loop (encoding a large batch, a CPU-bound step) or a process starved of
CPU makes it late, and every coroutine due meanwhile waited as long: in a process that
serves both lanes, a critical consumer behind a blast's release. One histogram per
process, cheap (a wake-up every 50 ms); `bench/critical_lane.py` reads it per process.
"""

import asyncio

from prometheus_client import CollectorRegistry, Histogram

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class LoopLag:
    def __init__(self, registry: CollectorRegistry, interval_s: float = 0.05) -> None:
        self._interval = interval_s
        self.histogram = Histogram(
            "herald_event_loop_lag_seconds",
            "How late the event loop ran a timer that was due (per wake-up, every 50 ms).",
            buckets=BUCKETS,
            registry=registry,
        )

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            due = loop.time() + self._interval
            await asyncio.sleep(self._interval)
            self.histogram.observe(max(0.0, loop.time() - due))
