"""Review's service layer: decide, record, announce, pass on."""

from collections.abc import Callable
from datetime import datetime

import structlog

from herald.contracts import Status, StatusKind, Topic
from herald.contracts.internal import RequestEnvelope
from herald.review.domain import Decision, decide
from herald.review.repository import DecisionRepository
from herald.runtime.events import EventBus
from herald.runtime.tracing import trace_headers

log = structlog.get_logger(__name__)


class Reviewer:
    def __init__(
        self, repo: DecisionRepository, events: EventBus, clock: Callable[[], datetime]
    ) -> None:
        self._repo, self._events, self._clock = repo, events, clock

    async def review(self, envelope: RequestEnvelope) -> None:
        decision = decide(envelope.request)
        stored = await self._repo.record(envelope, decision, actor="rules")
        if stored.emitted:
            return
        await self.announce(envelope, Decision(StatusKind(stored.state), decision.reasons))

    async def announce(self, envelope: RequestEnvelope, decision: Decision) -> None:
        req = envelope.request
        headers = trace_headers(envelope.trace_id)
        status = Status(
            request_id=req.request_id,
            tenant=req.tenant,
            status=decision.state,
            at=self._clock(),
            reasons=decision.reasons,
            labels=req.labels,
        )
        await self._events.publish(Topic.STATUS, req.request_id, status, headers)
        if decision.state == StatusKind.APPROVED:
            passed = RequestEnvelope(request=req, trace_id=envelope.trace_id, at=self._clock())
            await self._events.publish(Topic.APPROVED, req.request_id, passed, headers)
        if decision.state != StatusKind.PENDING_REVIEW:
            await self._repo.mark_emitted(req.tenant, req.request_id)
        log.info("request_reviewed", request_id=req.request_id, state=str(decision.state))
