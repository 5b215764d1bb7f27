"""Scheduler's composition root."""

from collections.abc import Callable
from datetime import UTC, datetime

from fastapi import FastAPI

from herald.runtime.loops import Wakeup
from herald.runtime.service import build_runtime
from herald.runtime.service import create_app as create_service_app
from herald.scheduler.adapters.postgres import MIGRATIONS, postgres_stores
from herald.scheduler.adapters.postgres.recount import PostgresRecount
from herald.scheduler.cancelling import Canceller
from herald.scheduler.directory import Directory
from herald.scheduler.dry_run import DryRun
from herald.scheduler.engagement import prune_loop
from herald.scheduler.handlers import build_router
from herald.scheduler.http.dry_run import build_dry_run_http
from herald.scheduler.http.recipients import build_recipients_http
from herald.scheduler.lanes import wiring
from herald.scheduler.metrics import SchedulerMetrics, refresh_gauges
from herald.scheduler.planning import Planner
from herald.scheduler.recounting import Recounter
from herald.scheduler.releasing import Releaser
from herald.scheduler.settings import SchedulerSettings


def now() -> datetime:
    return datetime.now(UTC)


def create_app(
    settings: SchedulerSettings | None = None, clock: Callable[[], datetime] = now
) -> FastAPI:
    settings = settings or SchedulerSettings()
    policies = settings.policies()
    lanes = wiring(settings.lanes, settings.release_workers, settings.critical_release_workers)
    rt = build_runtime("scheduler", settings)
    metrics = SchedulerMetrics(rt.registry)
    db = postgres_stores(rt.db)
    timers_ready, critical_ready = Wakeup(), Wakeup()
    # loops of every lane (CRITICAL_RELEASE_WORKERS=0) wait on `timers_ready`
    critical_wakes = timers_ready if None in lanes.release_loops else critical_ready
    planner = Planner(
        db.plans,
        db.audience,
        db.timers,
        db.engagement,
        rt.events,
        clock,
        policies,
        metrics,
        settings.expand_chunk,
        id_key=settings.delivery_id_key.get_secret_value().encode(),
        timers_ready=timers_ready.set,
        critical_ready=critical_wakes.set,
    )
    canceller = Canceller(db.plans, rt.events, clock, metrics)
    releaser = Releaser(
        db.timers,
        db.plans,
        rt.events,
        clock,
        policies,
        metrics,
        settings.release_batch,
        settings.timer_poll_ms / 1000,
        settings.release_workers,
        timers_ready,
        settings.critical_release_workers,
        critical_ready,
        loops=lanes.release_loops,
    )
    rt.add_loop("timers", releaser.run)
    if lanes.housekeeping:  # once, in the process that is not critical-only
        interval, keep = settings.metrics_interval_s, settings.engagement_keep_days
        rt.add_loop("gauges", lambda: refresh_gauges(db.timers, metrics, clock, interval))
        rt.add_loop(
            "prune",
            lambda: prune_loop(db.engagement, clock, keep, settings.prune_interval_s, policies),
        )
    directory = Directory(db.recipients)
    recounter = Recounter(PostgresRecount(rt.db), policies)
    router = build_router(
        rt.consumers(), planner, canceller, directory, db.engagement, rt.dlq, recounter, lanes
    )
    dry_run = DryRun(
        db.audience, db.engagement, policies, clock, settings.expand_chunk, settings.dry_run_sample
    )
    # a critical-only process serves no API (ops endpoints only): the bulk one does
    api = [build_dry_run_http(dry_run, rt.auth), build_recipients_http(db.recipients, rt.auth)]
    http = api if lanes.housekeeping else []
    return create_service_app(rt, routers=[router], http=http, migrations=MIGRATIONS)
