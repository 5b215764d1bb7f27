"""Tracker's composition root."""

from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI

from herald.runtime.service import build_runtime
from herald.runtime.service import create_app as create_service_app
from herald.tracker.handlers import build_router
from herald.tracker.http import build_http
from herald.tracker.ledger import Ledger
from herald.tracker.settings import TrackerSettings
from herald.tracker.tracking import Tracker

MIGRATIONS = Path(__file__).parent / "migrations"


def now() -> datetime:
    return datetime.now(UTC)


def create_app(settings: TrackerSettings | None = None) -> FastAPI:
    settings = settings or TrackerSettings()
    rt = build_runtime("tracker", settings)
    ledger = Ledger(rt.db)
    tracker = Tracker(ledger, rt.events, now)
    router = build_router(tracker, rt.dlq, rt.health, settings)
    return create_service_app(
        rt, routers=[router], http=[build_http(ledger, rt.auth)], migrations=MIGRATIONS
    )
