"""Scheduler's composition root."""

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI

from herald.runtime.service import build_runtime
from herald.runtime.service import create_app as create_service_app
from herald.scheduler.cancels import Canceller
from herald.scheduler.directory import Directory
from herald.scheduler.dry_run import DryRun
from herald.scheduler.engagement import EngagementStore, prune_loop
from herald.scheduler.handlers import build_router
from herald.scheduler.http import build_http
from herald.scheduler.metrics import SchedulerMetrics, refresh_gauges
from herald.scheduler.planning import Planner
from herald.scheduler.plans import PlanStore
from herald.scheduler.release import Releaser
from herald.scheduler.settings import SchedulerSettings
from herald.scheduler.timers import TimerStore

MIGRATIONS = Path(__file__).parent / "migrations"


def now() -> datetime:
    return datetime.now(UTC)


def create_app(
    settings: SchedulerSettings | None = None, clock: Callable[[], datetime] = now
) -> FastAPI:
    settings = settings or SchedulerSettings()
    policies = settings.policies()
    rt = build_runtime("scheduler", settings)
    metrics = SchedulerMetrics(rt.registry)
    directory = Directory(rt.db)
    plans = PlanStore(rt.db)
    timers = TimerStore(rt.db)
    engagement = EngagementStore(rt.db)
    planner = Planner(
        rt.db, plans, engagement, rt.events, clock, policies, metrics, settings.expand_chunk
    )
    canceller = Canceller(rt.db, plans, rt.events, clock, metrics)
    releaser = Releaser(
        timers,
        plans,
        rt.events,
        clock,
        policies,
        metrics,
        settings.release_batch,
        settings.timer_poll_ms / 1000,
        settings.release_workers,
    )
    rt.add_loop("timers", releaser.run)
    rt.add_loop(
        "gauges", lambda: refresh_gauges(timers, metrics, clock, settings.metrics_interval_s)
    )
    rt.add_loop(
        "prune",
        lambda: prune_loop(
            engagement, clock, settings.engagement_keep_days, settings.prune_interval_s
        ),
    )
    router = build_router(planner, canceller, directory, engagement, rt.dlq, rt.health, settings)
    dry_run = DryRun(
        rt.db, engagement, policies, clock, settings.expand_chunk, settings.dry_run_sample
    )
    http = build_http(dry_run, rt.auth)
    return create_service_app(rt, routers=[router], http=[http], migrations=MIGRATIONS)
