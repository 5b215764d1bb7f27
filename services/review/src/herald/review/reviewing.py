"""Review's service layer: judge, record, announce, pass on; human decisions, cancels,
expiry. Every announcement is idempotent: a row is marked emitted only after the broker
acknowledged what it announces, and whatever was not is announced again."""

import asyncio
from collections.abc import Sequence
from datetime import timedelta

import structlog

from herald.contracts import Reason, ReasonCode, StatusKind, Topic
from herald.contracts.internal import CancelRequested, RequestEnvelope
from herald.review.domain import Decision, HumanDecision, decide, submitter_of
from herald.review.domain.sent_length import TrackedLinks
from herald.review.engine.engine import Engine
from herald.review.engine.findings import Finding
from herald.review.judging import Judge
from herald.review.metrics import ReviewMetrics
from herald.review.ports import Review, ReviewRepository
from herald.review.violations import Violations
from herald.runtime.clock import Clock
from herald.runtime.events import EventBus
from herald.runtime.keyed import each_by_key
from herald.runtime.lane import CriticalFirstLock
from herald.runtime.statuses import status_of
from herald.runtime.tracing import bind_trace, trace_headers

log = structlog.get_logger(__name__)
_EXPIRED = Reason(code=ReasonCode.EXPIRED, message="nobody reviewed the request in time")


def _request_key(pair: tuple[RequestEnvelope, object]) -> tuple[str, str]:
    return pair[0].request.tenant, pair[0].request.request_id


class Reviewer:
    def __init__(
        self,
        engine: Engine,
        repo: ReviewRepository,
        violations: Violations,
        events: EventBus,
        metrics: ReviewMetrics,
        clock: Clock,
        links: TrackedLinks | None = None,
    ) -> None:
        self._engine, self._repo, self._violations = engine, repo, violations
        self._judge = Judge(engine, links)
        self._judging = CriticalFirstLock()  # a critical review waits for the holder only
        self._events, self._metrics, self._clock = events, metrics, clock

    async def review(self, envelope: RequestEnvelope) -> None:
        """Judge a request; strikes and standing are its submitter's (the credential's)."""
        await self._settle(envelope, await self._decide(envelope))

    async def review_linked(self, envelopes: Sequence[RequestEnvelope], at_once: int) -> None:
        """Requests whose standings are linked (a requester or a department in common),
        with the decisions they would get one after another in this order: all judged
        on the standings as they are, since only a rejection's strikes change them;
        those up to the first rejection are then recorded and announced `at_once`
        (one request's copies in order), and the rest judged again after it."""
        rest = list(envelopes)
        while rest:
            decided = await asyncio.gather(*(self._decide(e) for e in rest))
            upto = next(
                (i + 1 for i, d in enumerate(decided) if d[0].state == StatusKind.REJECTED),
                len(rest),
            )
            settle = list(zip(rest[:upto], decided[:upto], strict=True))
            await each_by_key(settle, _request_key, self._settle_pair, limit=at_once)
            rest = rest[upto:]

    async def _decide(self, envelope: RequestEnvelope) -> tuple[Decision, list[Finding]]:
        bind_trace(envelope.trace_id)  # the caller's or, under gather, this task's context
        req, submitter = envelope.request, submitter_of(envelope)
        standings = await self._violations.standings(
            req.tenant, submitter.user, submitter.department
        )
        async with self._judging:  # one evaluation at a time, as ever: each has a time budget
            findings = await self._judge.within(req)
        return decide(req, findings, self._engine.policy, standings), findings

    async def _settle_pair(
        self, pair: tuple[RequestEnvelope, tuple[Decision, list[Finding]]]
    ) -> None:
        bind_trace(pair[0].trace_id)  # this item's task's own context
        await self._settle(*pair)

    async def _settle(
        self, envelope: RequestEnvelope, decided: tuple[Decision, list[Finding]]
    ) -> None:
        decision, findings = decided
        recorded = await self._repo.record(envelope, decision, self._clock())
        if recorded.fresh:
            for f in findings:
                self._metrics.rule_hits.labels(f.rule, f.category or f.code, f.severity).inc()
            self._count(recorded.review, "rules")
        if not recorded.review.emitted:
            await self.announce(recorded.review)

    async def decide_by_human(
        self, tenant: str, request_id: str, decision: HumanDecision
    ) -> Review | None:
        review = await self._repo.decide(tenant, request_id, decision, self._clock())
        if review is not None:
            self._count(review, "human")
            await self.announce(review)
        return review

    async def cancel(self, event: CancelRequested) -> None:
        review = await self._repo.cancel(event)
        if review is not None:
            self._count(review, "canceller")
            await self.announce(review)

    async def expire(self, waiting: timedelta) -> int:
        now = self._clock()
        expired = await self._repo.expire(now, now - waiting)
        for review in expired:
            self._count(review, "clock")
            await self.announce(review)
        return len(expired)

    async def relay(self, grace: timedelta) -> None:
        """Announce final decisions whose announcement a crash interrupted."""
        for review in await self._repo.unannounced(self._clock() - grace):
            await self.announce(review)

    async def announce(self, review: Review) -> None:
        envelope = review.envelope
        if envelope is None:
            return  # cancelled before it arrived: announced when the request does
        req = envelope.request
        headers = trace_headers(envelope.trace_id)
        reasons = (_EXPIRED,) if review.state == StatusKind.EXPIRED else review.reasons
        status = status_of(req, review.state, self._clock(), reasons=reasons)
        await self._events.publish(Topic.STATUS, req.request_id, status, headers)
        if review.state == StatusKind.APPROVED:
            passed = envelope.model_copy(update={"at": self._clock()})
            await self._events.publish(Topic.APPROVED, req.request_id, passed, headers)
        if review.state == StatusKind.REJECTED:
            await self._violations.reassess(req.tenant, review.requester, review.department)
        await self._repo.mark_emitted(req.tenant, req.request_id)
        log.info(
            "request_reviewed",
            request_id=req.request_id,
            state=str(review.state),
            by=review.decided_by or "rules",
        )

    def _count(self, review: Review, by: str) -> None:
        self._metrics.decisions.labels(str(review.state), by).inc()
        for code in sorted({str(r.code) for r in review.reasons}):
            self._metrics.reasons.labels(str(review.state), code).inc()
        if review.state != StatusKind.PENDING_REVIEW and review.envelope is not None:
            waited = (self._clock() - review.envelope.at).total_seconds()
            self._metrics.time_to_decision.labels(by).observe(max(waited, 0.0))
