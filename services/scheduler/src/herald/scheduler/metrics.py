"""Scheduler metrics (herald_scheduler_*) and the loop that refreshes the timer gauges."""

import asyncio
from collections.abc import Callable, Iterable
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from herald.scheduler.ports import Timers


class SchedulerMetrics:
    # One declaration per metric, spelled out on purpose: the names and help texts are
    # the documented metrics (README), read here as they are exported.
    def __init__(self, registry: CollectorRegistry) -> None:
        self.timers_pending = Gauge(
            "herald_scheduler_timers_pending", "Timers not yet released.", registry=registry
        )
        self.timer_lag = Gauge(
            "herald_scheduler_timer_lag_seconds",
            "How overdue the most overdue ready timer is.",
            registry=registry,
        )
        self.released = Counter(
            "herald_scheduler_sends_released",
            "Sends handed to the dispatcher, by tenant and channel (rate() gives sends/s).",
            ["tenant", "channel"],
            registry=registry,
        )
        self.suppressed = Counter(
            "herald_scheduler_suppressions",
            "Recipients not sent to, by reason (no_contact, opted_out, frequency_capped, ...).",
            ["reason"],
            registry=registry,
        )
        self.deferred = Counter(
            "herald_scheduler_deferrals",
            "Sends moved later, by reason.",
            ["reason"],
            registry=registry,
        )
        self.outcomes = Counter(
            "herald_scheduler_outcomes",
            "Outcomes the scheduler itself published, by kind.",
            ["outcome"],
            registry=registry,
        )
        self.expansion = Histogram(
            "herald_scheduler_expansion_seconds",
            "Time to expand one request's audience into timers.",
            buckets=(0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
            registry=registry,
        )
        self.expanded = Counter(
            "herald_scheduler_recipients_expanded",
            "Audience members expanded into timers or outcomes.",
            registry=registry,
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
