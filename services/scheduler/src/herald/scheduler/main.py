"""Scheduler's composition root."""

from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI

from herald.runtime.service import build_runtime
from herald.runtime.service import create_app as create_service_app
from herald.scheduler.directory import Directory
from herald.scheduler.handlers import build_router
from herald.scheduler.planning import Planner
from herald.scheduler.release import Releaser
from herald.scheduler.settings import SchedulerSettings
from herald.scheduler.timers import TimerStore

MIGRATIONS = Path(__file__).parent / "migrations"


def now() -> datetime:
    return datetime.now(UTC)


def create_app(settings: SchedulerSettings | None = None) -> FastAPI:
    settings = settings or SchedulerSettings()
    rt = build_runtime("scheduler", settings)
    directory = Directory(rt.db)
    timers = TimerStore(rt.db)
    planner = Planner(directory, timers, rt.events, now, settings.expand_chunk)
    releaser = Releaser(
        timers, rt.events, now, settings.release_batch, settings.timer_poll_ms / 1000
    )
    rt.add_loop("timers", releaser.run)
    router = build_router(planner, directory, rt.dlq, rt.health, settings)
    return create_service_app(rt, routers=[router], migrations=MIGRATIONS)
