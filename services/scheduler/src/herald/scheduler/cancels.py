"""Cancelling what has not been sent yet.

First the plan is marked under its row lock (so the expander stops making timers and
turns the rest of the audience into `cancelled` outcomes); then the request's unreleased
timers are deleted in batches, each batch's `cancelled` outcomes published before its
transaction commits, as a release does. A cancel that arrives before the request is
remembered; the request, when it comes, ends `cancelled` with no recipients.
"""

from collections.abc import Callable
from datetime import datetime

import structlog

from herald.contracts import Topic
from herald.contracts.internal import CancelRequested, OutcomeKind
from herald.runtime.db import Database
from herald.runtime.events import EventBus
from herald.scheduler.messages import outcome
from herald.scheduler.metrics import SchedulerMetrics
from herald.scheduler.plans import PlanStore

log = structlog.get_logger(__name__)
_SWEEP = 5000
_STOPPABLE = ("streaming", "scheduled", "cancelled")


class Canceller:
    def __init__(
        self,
        db: Database,
        plans: PlanStore,
        events: EventBus,
        clock: Callable[[], datetime],
        metrics: SchedulerMetrics,
    ) -> None:
        self._db, self._plans, self._events = db, plans, events
        self._clock, self._metrics = clock, metrics

    async def cancel(self, event: CancelRequested) -> None:
        if await self._mark(event.tenant, event.request_id):
            stopped = await self._sweep(event.tenant, event.request_id)
            log.info("request_cancelled", request_id=event.request_id, stopped=stopped)

    async def _mark(self, tenant: str, request_id: str) -> bool:
        """Mark the plan; True if it has timers to stop."""
        async with self._db.pool.acquire() as conn, conn.transaction():
            plan = await PlanStore.lock(conn, tenant, request_id)
            if plan is None:
                await conn.execute(
                    """INSERT INTO scheduler.plans (tenant, request_id, state)
                       VALUES ($1, $2, 'cancel_requested') ON CONFLICT DO NOTHING""",
                    tenant,
                    request_id,
                )
                return False
            if plan.state == "expanding":  # nothing announced yet: the planner ends it
                await PlanStore.update(conn, tenant, request_id, state="cancel_requested")
                return False
            if plan.state not in _STOPPABLE:
                return False
            await PlanStore.update(conn, tenant, request_id, state="cancelled")
            return True

    async def _sweep(self, tenant: str, request_id: str) -> int:
        env = await self._plans.envelope(tenant, request_id)
        total = 0
        while True:
            async with self._db.pool.acquire() as conn, conn.transaction():
                rows = await conn.fetch(
                    """DELETE FROM scheduler.timers WHERE delivery_id IN (
                           SELECT delivery_id FROM scheduler.timers
                           WHERE tenant = $1 AND request_id = $2 LIMIT $3 FOR UPDATE)
                       RETURNING delivery_id, recipient_id, deferred""",
                    tenant,
                    request_id,
                    _SWEEP,
                )
                now = self._clock()
                items = [
                    (
                        r["delivery_id"],
                        outcome(
                            env,
                            r["delivery_id"],
                            r["recipient_id"],
                            OutcomeKind.CANCELLED,
                            None,
                            now,
                            r["deferred"],
                        ),
                    )
                    for r in rows
                ]
                await self._events.publish_many(Topic.OUTCOMES, items)
            total += len(rows)
            self._metrics.outcomes.labels("cancelled").inc(len(rows))
            if len(rows) < _SWEEP:
                return total
