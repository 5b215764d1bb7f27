"""Review's composition root."""

from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI

from herald.review.handlers import build_router
from herald.review.repository import PgDecisionRepository
from herald.review.reviewing import Reviewer
from herald.review.settings import ReviewSettings
from herald.runtime.service import build_runtime
from herald.runtime.service import create_app as create_service_app

MIGRATIONS = Path(__file__).parent / "migrations"


def now() -> datetime:
    return datetime.now(UTC)


def create_app(settings: ReviewSettings | None = None) -> FastAPI:
    settings = settings or ReviewSettings()
    rt = build_runtime("review", settings)
    reviewer = Reviewer(PgDecisionRepository(rt.db), rt.events, now)
    router = build_router(reviewer, rt.dlq, rt.health, settings)
    return create_service_app(rt, routers=[router], migrations=MIGRATIONS)
