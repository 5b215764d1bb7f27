"""Reviewing a template version: judge its skeletons with the engine (each locale under
the policy's time budget), decide as for a request (blocking findings reject, holding
ones and the policy's human rules wait for a human), keep the decision once, and
announce it to intake on push.template_reviewed.v1. A rejected template strikes nobody:
no push was filed; every request made from it is reviewed again, values in place."""

from collections.abc import Sequence
from datetime import timedelta

import structlog

from herald.contracts import StatusKind, Topic
from herald.contracts.template_review import (
    TemplateReviewed,
    TemplateReviewRequested,
    review_key,
)
from herald.review.domain import HumanDecision, decide
from herald.review.engine.findings import Finding
from herald.review.judging import Judge
from herald.review.templates.ports import TemplateReview, TemplateReviewStore
from herald.review.templates.skeleton import placed, requests_of
from herald.runtime.clock import Clock
from herald.runtime.events import EventBus
from herald.runtime.tracing import trace_headers

log = structlog.get_logger(__name__)


class TemplateReviewer:
    # deliberate declaration: the service's dependencies, injected by main
    def __init__(
        self, judge: Judge, store: TemplateReviewStore, events: EventBus, clock: Clock
    ) -> None:
        self._judge, self._store, self._events, self._clock = judge, store, events, clock

    async def review_all(self, requested: Sequence[TemplateReviewRequested]) -> None:
        for r in requested:
            await self.review(r)

    async def review(self, requested: TemplateReviewRequested) -> None:
        existing = await self._store.get(requested.tenant, requested.name, requested.version)
        if existing is None:
            requests = requests_of(requested)
            findings: list[Finding] = []
            for prefix, request in requests:
                findings += [placed(f, prefix) for f in await self._judge.within(request)]
            decision = decide(requests[0][1], findings, self._judge.policy)
            existing = await self._store.record(requested, decision, self._clock())
        if not existing.emitted:
            await self.announce(existing)

    async def decide_by_human(
        self, tenant: str, name: str, version: int, decision: HumanDecision
    ) -> TemplateReview | None:
        review = await self._store.decide(tenant, name, version, decision, self._clock())
        if review is not None:
            await self.announce(review)
        return review

    async def relay(self, grace: timedelta) -> None:
        """Announce final decisions whose announcement a crash interrupted."""
        for review in await self._store.unannounced(self._clock() - grace):
            await self.announce(review)

    async def announce(self, review: TemplateReview) -> None:
        r = review.requested
        event = TemplateReviewed(
            tenant=r.tenant,
            name=r.name,
            version=r.version,
            state=review.state,
            reasons=review.reasons,
            decided_by=review.decided_by or "rules",
            at=self._clock(),
        )
        key = review_key(r.tenant, r.name, r.version)
        await self._events.publish(Topic.TEMPLATE_REVIEWED, key, event, trace_headers(r.trace_id))
        if review.state != StatusKind.PENDING_REVIEW:
            await self._store.mark_emitted(r.tenant, r.name, r.version)
        log.info(
            "template_reviewed",
            template=r.name,
            version=r.version,
            state=str(review.state),
            by=review.decided_by or "rules",
        )
