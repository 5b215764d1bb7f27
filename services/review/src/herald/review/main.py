"""Review's composition root."""

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI

from herald.review.console import build_console
from herald.review.dictionaries import Dictionaries
from herald.review.dry_run import build_dry_run
from herald.review.engine.engine import Engine
from herald.review.handlers import build_router
from herald.review.http import build_http
from herald.review.loops import every, steps
from herald.review.metrics import ReviewMetrics
from herald.review.pg_reviews import PgReviewRepository
from herald.review.pg_standing import PgStandingRepository
from herald.review.policy import load_policy
from herald.review.reviewing import Reviewer
from herald.review.settings import ReviewSettings
from herald.review.violations import Violations
from herald.runtime.service import build_runtime
from herald.runtime.service import create_app as create_service_app

MIGRATIONS = Path(__file__).parent / "migrations"


def now() -> datetime:
    return datetime.now(UTC)


def create_app(
    settings: ReviewSettings | None = None, *, clock: Callable[[], datetime] = now
) -> FastAPI:
    settings = settings or ReviewSettings()
    rt = build_runtime("review", settings)
    policy = load_policy(settings.review_policy_file)
    dictionaries = Dictionaries(policy, settings.review_dictionary_dir)
    metrics = ReviewMetrics(rt.registry)
    repo = PgReviewRepository(rt.db)
    violations = Violations(PgStandingRepository(rt.db), rt.events, policy.strikes, metrics, clock)
    engine = Engine(policy, dictionaries.matcher)
    reviewer = Reviewer(engine, repo, violations, rt.events, metrics, clock)
    router = build_router(reviewer, rt.dlq, rt.health, settings)
    background = steps(settings, reviewer, violations, repo, dictionaries, metrics, clock)
    for name, (interval, step) in background.items():
        rt.add_loop(name, every(interval, step))
    http = build_http(reviewer, repo, violations, rt.auth)
    http.append(build_dry_run(engine, violations.standings, rt.auth))
    http += build_console(settings, reviewer, repo, violations, rt.auth, clock)
    return create_service_app(rt, routers=[router], http=http, migrations=MIGRATIONS)
