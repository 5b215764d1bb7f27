"""Cancelling what has not been sent yet.

First the plan is marked under its row lock (so the expander stops making timers and
turns the rest of the audience into `cancelled` outcomes); then the request's unreleased
timers are taken back in batches, each batch's `cancelled` outcomes published before its
transaction commits, as a release does. A cancel that arrives before the request is
remembered; the request, when it comes, ends `cancelled` with no recipients.
"""

from collections.abc import Callable
from datetime import datetime

import structlog

from herald.contracts import Topic
from herald.contracts.internal import CancelRequested, OutcomeKind
from herald.runtime.events import EventBus
from herald.scheduler.domain.messages import outcome
from herald.scheduler.domain.model import PlanKey, PlanState
from herald.scheduler.metrics import SchedulerMetrics
from herald.scheduler.ports import PlanChange, Plans

log = structlog.get_logger(__name__)
_SWEEP = 5000
_STOPPABLE = (PlanState.STREAMING, PlanState.SCHEDULED, PlanState.CANCELLED)


class Canceller:
    def __init__(
        self,
        plans: Plans,
        events: EventBus,
        clock: Callable[[], datetime],
        metrics: SchedulerMetrics,
    ) -> None:
        self._plans, self._events, self._clock, self._metrics = plans, events, clock, metrics

    async def cancel(self, event: CancelRequested) -> None:
        key = (event.tenant, event.request_id)
        if await self._mark(key):
            stopped = await self._sweep(key)
            log.info("request_cancelled", request_id=event.request_id, stopped=stopped)

    async def _mark(self, key: PlanKey) -> bool:
        """Mark the plan; True if it has timers to stop."""
        async with self._plans.transaction() as tx:
            plan = await tx.lock(key)
            if plan is None:
                await tx.remember_cancel(key)
                return False
            if plan.state == PlanState.EXPANDING:  # nothing announced yet: the planner ends it
                await tx.change(key, PlanChange(state=PlanState.CANCEL_REQUESTED))
                return False
            if plan.state not in _STOPPABLE:
                return False
            await tx.change(key, PlanChange(state=PlanState.CANCELLED))
            return True

    async def _sweep(self, key: PlanKey) -> int:
        env = (await self._plans.envelopes([key]))[key]
        total = 0
        while True:
            async with self._plans.transaction() as tx:
                stopped = await tx.take_timers(key, _SWEEP)
                now = self._clock()
                items = [
                    outcome(
                        env,
                        s.delivery_id,
                        s.recipient_id,
                        OutcomeKind.CANCELLED,
                        None,
                        now,
                        s.deferred,
                    )
                    for s in stopped
                ]
                await self._events.publish_batched(Topic.OUTCOMES, items)
            total += len(stopped)
            self._metrics.outcomes.labels("cancelled").inc(len(stopped))
            if not stopped:  # a release may have moved deferred sends to new rows meanwhile
                return total
