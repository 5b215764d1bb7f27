"""Turning an approved request into timers (one per recipient) and suppressions."""

from collections.abc import Callable
from datetime import datetime

import structlog

from herald.contracts import Counts, PushRequest, Status, StatusKind, Topic
from herald.contracts.internal import Outcome, OutcomeKind, RequestEnvelope
from herald.runtime.events import EventBus
from herald.runtime.tracing import trace_headers
from herald.scheduler.directory import Directory
from herald.scheduler.domain import PRIORITY_RANK, delivery_id, due_at, reach
from herald.scheduler.timers import Timer, TimerStore

log = structlog.get_logger(__name__)


class Planner:
    def __init__(
        self,
        directory: Directory,
        timers: TimerStore,
        events: EventBus,
        clock: Callable[[], datetime],
        chunk: int,
    ) -> None:
        self._directory, self._timers, self._events = directory, timers, events
        self._clock, self._chunk = clock, chunk

    async def plan(self, envelope: RequestEnvelope) -> None:
        req = envelope.request
        if not await self._timers.open_plan(envelope):
            return  # planned before: a redelivery
        now = self._clock()
        total = suppressed = 0
        async for part in self._directory.audience(req.tenant, req.audience, self._chunk):
            timers, outcomes = [], []
            for rid, recipient in part:
                did = delivery_id(req.tenant, req.request_id, rid)
                r = reach(req, recipient)
                if r.suppressed is not None:
                    outcomes.append(self._suppressed(req, did, rid, r.suppressed, envelope, now))
                else:
                    timers.append(
                        Timer(
                            did,
                            req.tenant,
                            req.request_id,
                            rid,
                            due_at(req, now),
                            req.schedule.expires_at if req.schedule else None,
                            PRIORITY_RANK[req.priority],
                        )
                    )
            await self._timers.add(timers)
            await self._events.publish_many(
                Topic.OUTCOMES,
                [(o.delivery_id, o) for o in outcomes],
                trace_headers(envelope.trace_id),
            )
            total += len(part)
            suppressed += len(outcomes)
        status = Status(
            request_id=req.request_id,
            tenant=req.tenant,
            status=StatusKind.SCHEDULED,
            at=self._clock(),
            counts=Counts(recipients=total, suppressed=suppressed),
            labels=req.labels,
        )
        await self._events.publish(
            Topic.STATUS, req.request_id, status, trace_headers(envelope.trace_id)
        )
        await self._timers.close_plan(req.tenant, req.request_id, total, suppressed)
        log.info(
            "request_scheduled", request_id=req.request_id, recipients=total, suppressed=suppressed
        )

    @staticmethod
    def _suppressed(
        req: PushRequest, did: str, rid: str, reason: str, env: RequestEnvelope, now: datetime
    ) -> Outcome:
        return Outcome(
            delivery_id=did,
            request_id=req.request_id,
            tenant=req.tenant,
            department=req.requester.department,
            recipient_id=rid,
            outcome=OutcomeKind.SUPPRESSED,
            reason=reason,
            at=now,
            trace_id=env.trace_id,
        )
