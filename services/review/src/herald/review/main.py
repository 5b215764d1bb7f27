"""Review's composition root."""

from datetime import timedelta

from fastapi import FastAPI

from herald.review.adapters.dictionaries import Dictionaries
from herald.review.adapters.postgres.board import PgBoard
from herald.review.adapters.postgres.reviews import PgReviewRepository
from herald.review.adapters.postgres.standing import PgStandingRepository
from herald.review.adapters.postgres.template_reviews import PgTemplateReviewStore
from herald.review.board import Board
from herald.review.domain.sent_length import TrackedLinks
from herald.review.engine.engine import Engine
from herald.review.handlers import build_router
from herald.review.http.console.routes import build_console
from herald.review.http.dry_run import build_dry_run
from herald.review.http.reviews import build_reviews_http
from herald.review.http.standing import build_standing_http
from herald.review.http.template_reviews import build_template_reviews_http
from herald.review.http.violations import build_violations_http
from herald.review.judging import Judge
from herald.review.manifest import MANIFEST
from herald.review.metrics import ReviewMetrics
from herald.review.policy import load_policy
from herald.review.reviewing import Reviewer
from herald.review.settings import ReviewSettings
from herald.review.templates.reviewing import TemplateReviewer
from herald.review.upkeep import steps
from herald.review.violations import Violations
from herald.runtime.clock import Clock, utc_now
from herald.runtime.loops import every, housekeeping
from herald.runtime.service import build_runtime
from herald.runtime.service import create_app as create_service_app
from herald.runtime.websessions import SessionStore
from herald.runtime.websessions.postgres import PgSessionStore


def create_app(
    settings: ReviewSettings | None = None,
    *,
    clock: Clock = utc_now,
    sessions: SessionStore | None = None,
) -> FastAPI:
    """Review, wired. `sessions` (the console's) is Postgres unless a test hands in another."""
    settings = settings or ReviewSettings()
    rt = build_runtime("review", settings)
    policy = load_policy(settings.review_policy_file)
    dictionaries = Dictionaries(policy, settings.review_dictionary_dir)
    metrics = ReviewMetrics(rt.registry)
    repo = PgReviewRepository(rt.db)
    violations = Violations(PgStandingRepository(rt.db), rt.events, policy.strikes, metrics, clock)
    engine = Engine(policy, dictionaries.matcher)
    links = TrackedLinks(settings.tracker_public_url, settings.tracking_key_id)
    reviewer = Reviewer(engine, repo, violations, rt.events, metrics, clock, links)
    background = steps(settings, reviewer, violations, repo, dictionaries, metrics, clock)
    board = Board(PgBoard(rt.db), lambda: dictionaries.policy, clock)
    for name, (interval_s, step) in background.items():
        rt.add_loop(name, every(interval_s, step))
    http = [
        build_reviews_http(reviewer, repo, rt.auth),
        build_standing_http(violations, rt.auth),
        build_violations_http(board, rt.auth),
        build_dry_run(engine, violations.standings, rt.auth, links),
    ]
    store = sessions or PgSessionStore(rt.db, "review")
    console = build_console(settings, store, reviewer, repo, violations, rt.auth, clock, board)
    if console is not None:
        http.append(console[0])
        rt.add_loop("console_sessions_purge", every(300, console[1].purge, on_failure=housekeeping))
    template_store = PgTemplateReviewStore(rt.db)
    templates = TemplateReviewer(Judge(engine, links), template_store, rt.events, clock)
    http.append(build_template_reviews_http(templates, template_store, rt.auth))
    grace = timedelta(seconds=settings.review_relay_grace_s)
    rt.add_loop(
        "template-reviews-relay",
        every(settings.review_relay_grace_s / 2, lambda: templates.relay(grace)),
    )
    router = build_router(rt.consumers(), reviewer, templates)
    return create_service_app(rt, routers=[router], http=http, migrations=MANIFEST.migrations)
