"""Submitting and cancelling requests: the one path both entrypoints (Kafka and HTTP)
go through. Each status is published, and acknowledged, before the request is passed on."""

from dataclasses import dataclass

import structlog

from herald.contracts import PushRequest, Reason, ReasonCode, Status, StatusKind, Topic
from herald.contracts.internal import CancelRequested, RequestEnvelope, Standing, Submitter
from herald.intake.domain import RequestRecord, Verdict, body_hash, restriction
from herald.intake.metrics import IntakeMetrics
from herald.intake.ports import RequestRepository
from herald.runtime.clock import Clock
from herald.runtime.events import EventBus
from herald.runtime.statuses import RequestRef, Subject, status_of
from herald.runtime.tracing import trace_headers

log = structlog.get_logger(__name__)
DUPLICATE = Reason(
    code=ReasonCode.DUPLICATE,
    message="this request_id was submitted before; nothing more is sent",
)


@dataclass(frozen=True, slots=True)
class Submitted:
    verdict: Verdict
    status: Status | None


class Intake:
    # deliberate declaration: the dependencies main injects, one named parameter each
    def __init__(
        self, repo: RequestRepository, events: EventBus, clock: Clock, metrics: IntakeMetrics
    ) -> None:
        self._repo, self._events, self._clock, self._metrics = repo, events, clock, metrics

    async def submit(
        self, request: PushRequest, submitter: Submitter, source: str, trace_id: str
    ) -> Submitted:
        """Accept, or answer duplicate/conflict/rejected. `submitter` is who the credential
        says sent it (standing is theirs, and it rides on to review for four eyes).
        `source` names where this copy came from, so that a redelivered Kafka message is
        not taken for a resubmission."""
        via = submitter.via
        record = RequestRecord(
            request.tenant,
            request.request_id,
            body_hash(request),
            submitter.department,
            submitter.user,
            trace_id,
            via,
            source,
            credential=submitter.credential,
        )
        claim = await self._repo.claim(record)
        existing, standing = claim.existing, claim.standing
        if existing is not None:
            if existing.body_sha256 != record.body_sha256:
                return self._count(via, request, Submitted(Verdict.CONFLICT, existing.status))
            if existing.emitted and existing.source == source:
                return Submitted(Verdict.ACCEPTED, existing.status)  # a redelivery: done already
            if existing.emitted:
                await self._publish_status(request, StatusKind.DUPLICATE, trace_id, DUPLICATE)
                return self._count(via, request, Submitted(Verdict.DUPLICATE, existing.status))
            if (existing.requester, existing.department) != (record.requester, record.department):
                standing = await self._repo.standing(
                    request.tenant, existing.requester, existing.department
                )
            record = existing  # our own earlier attempt died before passing it on: finish it
        result = await self._decide(request, record.submitter, record.trace_id, standing)
        return self._count(via, request, result)

    async def _decide(
        self,
        request: PushRequest,
        submitter: Submitter,
        trace_id: str,
        standing: tuple[Standing, Standing],
    ) -> Submitted:
        """Accept or reject on the submitter's standing (the requester's, the
        department's)."""
        requester, department = standing
        why = restriction(request, requester, department)
        if why is not None:
            reason = Reason(code=ReasonCode.REQUESTER_RESTRICTED, message=why)
            status = await self._publish_status(request, StatusKind.REJECTED, trace_id, reason)
            await self._repo.mark_emitted(request.tenant, request.request_id, status)
            return Submitted(Verdict.REJECTED, status)
        status = await self._publish_status(request, StatusKind.ACCEPTED, trace_id)
        envelope = RequestEnvelope(
            request=request, trace_id=trace_id, at=self._clock(), submitter=submitter
        )
        await self._events.publish(
            Topic.ACCEPTED, request.request_id, envelope, trace_headers(trace_id)
        )
        await self._repo.mark_emitted(request.tenant, request.request_id, status)
        # deliberate declaration: a structured log event: its fields, named
        log.info(
            "request_accepted",
            request_id=request.request_id,
            tenant=request.tenant,
            submitter=submitter.user,
            via=submitter.via,
        )
        return Submitted(Verdict.ACCEPTED, status)

    async def reject(
        self, request_id: str, tenant: str, code: ReasonCode, message: str, trace_id: str
    ) -> None:
        """Tell upstream about a request refused before it was stored (invalid, or not
        the producer's to submit)."""
        reason = Reason(code=code, message=message[:2000])
        await self._publish_status(
            RequestRef(request_id, tenant), StatusKind.REJECTED, trace_id, reason
        )

    async def cancel(self, tenant: str, request_id: str, by: str, credential: str) -> None:
        event = CancelRequested(
            tenant=tenant, request_id=request_id, by=by, at=self._clock(), credential=credential
        )
        await self._events.publish(Topic.CANCELS, request_id, event)

    async def _publish_status(
        self, about: Subject, kind: StatusKind, trace_id: str, reason: Reason | None = None
    ) -> Status:
        status = status_of(about, kind, self._clock(), reasons=(reason,) if reason else ())
        await self._events.publish(Topic.STATUS, about.request_id, status, trace_headers(trace_id))
        return status

    def _count(self, via: str, request: PushRequest, result: Submitted) -> Submitted:
        tenant = self._metrics.tenant(request.tenant)
        self._metrics.received.labels(via, tenant, result.verdict).inc()
        return result
