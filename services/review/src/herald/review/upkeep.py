"""Review's upkeep, run in the background: expiry, the crash-recovery relay, the queue
gauges and the dictionaries' reload. Each step says how often it runs; main hands them
to the runtime (`herald.runtime.loops.every`)."""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta

from herald.review.adapters.dictionaries import Dictionaries
from herald.review.metrics import ReviewMetrics
from herald.review.ports import ReviewRepository
from herald.review.reviewing import Reviewer
from herald.review.settings import ReviewSettings
from herald.review.violations import Violations
from herald.runtime.clock import Clock

Step = Callable[[], Awaitable[None]]


def steps(
    settings: ReviewSettings,
    reviewer: Reviewer,
    violations: Violations,
    repo: ReviewRepository,
    dictionaries: Dictionaries,
    metrics: ReviewMetrics,
    clock: Clock,
) -> dict[str, tuple[float, Step]]:
    """Each background step by name, with how often it runs."""
    s = settings
    tenants = s.tenant_set

    async def expire() -> None:
        await reviewer.expire(timedelta(seconds=s.review_timeout_s))

    async def relay() -> None:
        await reviewer.relay(timedelta(seconds=s.review_relay_grace_s))
        await violations.publish_pending()

    async def gauges() -> None:
        stats = {q.tenant: q for q in await repo.queue()}
        now = clock()
        for tenant in tenants | stats.keys():
            q = stats.get(tenant)
            metrics.queue_depth.labels(tenant).set(q.depth if q else 0)
            age = (now - q.oldest).total_seconds() if q and q.oldest else 0.0
            metrics.queue_age.labels(tenant).set(max(age, 0.0))

    async def reload() -> None:
        if await asyncio.to_thread(dictionaries.refresh):
            metrics.dictionary_reloads.inc()
        metrics.dictionary_terms.set(dictionaries.matcher().size)

    return {
        "review-expiry": (s.review_expiry_check_s, expire),
        "review-relay": (s.review_relay_grace_s / 2, relay),
        "review-queue-gauges": (s.review_queue_refresh_s, gauges),
        "review-dictionaries": (s.review_dictionary_check_s, reload),
    }
