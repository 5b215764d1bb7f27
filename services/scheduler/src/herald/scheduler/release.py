"""The timer loop: claim what is due, announce `dispatching` once, hand sends on."""

import asyncio
from collections.abc import Callable
from datetime import datetime

from herald.contracts import Counts, Status, StatusKind, Topic
from herald.contracts.internal import Outcome, OutcomeKind, RequestEnvelope, Send
from herald.runtime.events import EventBus, Item
from herald.scheduler.domain import reach
from herald.scheduler.timers import Due, PlanCounts, TimerStore


class Releaser:
    def __init__(
        self,
        timers: TimerStore,
        events: EventBus,
        clock: Callable[[], datetime],
        batch: int,
        poll_s: float,
    ) -> None:
        self._timers, self._events, self._clock = timers, events, clock
        self._batch, self._poll_s = batch, poll_s

    async def run(self) -> None:
        while True:
            if await self.release_once() < self._batch:
                await asyncio.sleep(self._poll_s)

    async def release_once(self) -> int:
        now = self._clock()
        async with self._timers.claim(now, self._batch) as claim:
            if not claim.due:
                return 0
            keys = {(d.timer.tenant, d.timer.request_id) for d in claim.due}
            for plan in await claim.start_dispatching(keys):
                await self._announce(plan)
            sends: list[Item] = []
            outcomes: list[Item] = []
            for due in claim.due:
                env = await self._timers.envelope(due.timer.tenant, due.timer.request_id)
                item = self._send_or_outcome(due, env, now)
                (sends if isinstance(item, Send) else outcomes).append(
                    (due.timer.delivery_id, item)
                )
            await asyncio.gather(
                self._events.publish_many(Topic.SENDS, sends),
                self._events.publish_many(Topic.OUTCOMES, outcomes),
            )
            return len(claim.due)

    async def _announce(self, plan: PlanCounts) -> None:
        env = await self._timers.envelope(plan.tenant, plan.request_id)
        status = Status(
            request_id=plan.request_id,
            tenant=plan.tenant,
            status=StatusKind.DISPATCHING,
            at=self._clock(),
            counts=Counts(recipients=plan.recipients, suppressed=plan.suppressed),
            labels=env.request.labels,
        )
        await self._events.publish(Topic.STATUS, plan.request_id, status)

    @staticmethod
    def _send_or_outcome(due: Due, env: RequestEnvelope, now: datetime) -> Send | Outcome:
        req, t = env.request, due.timer
        common = {
            "delivery_id": t.delivery_id,
            "request_id": t.request_id,
            "tenant": t.tenant,
            "department": req.requester.department,
            "recipient_id": t.recipient_id,
            "trace_id": env.trace_id,
        }
        if t.expires_at is not None and now >= t.expires_at:
            return Outcome(**common, outcome=OutcomeKind.EXPIRED, reason="expired", at=now)
        r = reach(req, due.recipient)  # consent and contacts as they are now
        if r.suppressed is not None or due.recipient is None:
            return Outcome(**common, outcome=OutcomeKind.SUPPRESSED, reason=r.suppressed, at=now)
        return Send(
            **common,
            category=req.category,
            priority=req.priority,
            channels=r.channels,
            contacts=due.recipient.contacts,
            locale=due.recipient.locale,
            content=req.content,
            labels=req.labels,
            due_at=t.due_at,
            expires_at=t.expires_at,
        )
