"""Scheduler metrics (herald_scheduler_*) and the loop that refreshes the timer gauges."""

import asyncio
from collections.abc import Callable, Iterable
from datetime import datetime

from prometheus_client import CollectorRegistry

from herald.runtime.metrics import Metrics
from herald.scheduler.ports import Timers

EXPANSION_BUCKETS = (0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)


class SchedulerMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        m = Metrics(registry, "herald_scheduler")
        # deliberate declaration: one call per documented metric (README's metrics table),
        # names and help texts read here as they are exported
        self.timers_pending = m.gauge("timers_pending", "Timers not yet released.")
        self.timer_lag = m.gauge(
            "timer_lag_seconds", "How overdue the most overdue ready timer is."
        )
        self.released = m.counter(
            "sends_released",
            "Sends handed to the dispatcher, by tenant and channel (rate() gives sends/s).",
            "tenant",
            "channel",
        )
        self.suppressed = m.counter(
            "suppressions",
            "Recipients not sent to, by reason (no_contact, opted_out, frequency_capped, ...).",
            "reason",
        )
        self.deferred = m.counter("deferrals", "Sends moved later, by reason.", "reason")
        self.outcomes = m.counter(
            "outcomes", "Outcomes the scheduler itself published, by kind.", "outcome"
        )
        self.expansion = m.histogram(
            "expansion_seconds",
            "Time to expand one request's audience into timers.",
            buckets=EXPANSION_BUCKETS,
        )
        self.expanded = m.counter(
            "recipients_expanded", "Audience members expanded into timers or outcomes."
        )

    def count_deferrals(self, reasons: Iterable[str]) -> None:
        for r in reasons:
            self.deferred.labels(r).inc()


async def refresh_gauges(
    timers: Timers,
    metrics: SchedulerMetrics,
    clock: Callable[[], datetime],
    interval_s: float,
) -> None:
    """A background loop: pending timers and lag, every `interval_s`."""
    while True:
        pending, lag = await timers.pending(clock())
        metrics.timers_pending.set(pending)
        metrics.timer_lag.set(lag)
        await asyncio.sleep(interval_s)
