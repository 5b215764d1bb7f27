"""Turning an approved request into timers, streaming, with `scheduled` announced first.

The audience is counted and streamed in one REPEATABLE READ snapshot: the count
(by suppression reason) is announced in `scheduled` before the first timer exists, and
each chunk's timers are ready as soon as the chunk commits, so the first sends go out
while later recipients are still being expanded, and `dispatching` always follows
`scheduled`. Each chunk commits its timers with the plan's cursor; a crash resumes
after the last committed chunk.
"""

import contextlib
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import asyncpg
import structlog

from herald.contracts import Counts, Status, StatusKind, Topic
from herald.contracts.internal import RequestEnvelope
from herald.runtime.db import Database
from herald.runtime.events import EventBus
from herald.runtime.tracing import trace_headers
from herald.scheduler import audience
from herald.scheduler.audience import Member
from herald.scheduler.domain.policy import Policies
from herald.scheduler.engagement import EngagementStore
from herald.scheduler.expansion import expand
from herald.scheduler.messages import status, suppression_reasons
from herald.scheduler.metrics import SchedulerMetrics
from herald.scheduler.plans import PlanStore
from herald.scheduler.timers import add_timers, ensure_lanes

log = structlog.get_logger(__name__)


class Planner:
    def __init__(
        self,
        db: Database,
        plans: PlanStore,
        engagement: EngagementStore,
        events: EventBus,
        clock: Callable[[], datetime],
        policies: Policies,
        metrics: SchedulerMetrics,
        chunk: int,
    ) -> None:
        self._db, self._plans, self._engagement, self._events = db, plans, engagement, events
        self._clock, self._policies, self._metrics, self._chunk = clock, policies, metrics, chunk

    async def plan(self, env: RequestEnvelope) -> None:
        req = env.request
        plan = await self._plans.open(env)
        if plan.complete:
            return  # planned before: a redelivery
        started = time.monotonic()
        async with (
            self._db.pool.acquire() as snap,
            snap.transaction(isolation="repeatable_read", readonly=True),
        ):
            counts = await audience.count(snap, req, plan.cursor)
            if not await self._announce(env, counts):
                return
            cursor: str | None = plan.cursor
            chunks = audience.stream(snap, req, plan.cursor, self._chunk)
            async with contextlib.aclosing(chunks):
                async for members in chunks:
                    cursor = await self._chunk_done(env, members, cursor or "")
                    if cursor is None:
                        return  # another expander took over
        await self._db.pool.execute(
            """UPDATE scheduler.plans SET complete = true,
                   state = CASE WHEN state = 'streaming' THEN 'scheduled' ELSE state END
               WHERE tenant = $1 AND request_id = $2""",
            req.tenant,
            req.request_id,
        )
        self._metrics.expansion.observe(time.monotonic() - started)
        log.info("request_expanded", request_id=req.request_id, seconds=time.monotonic() - started)

    async def _announce(self, env: RequestEnvelope, counts: dict[str | None, int]) -> bool:
        """Publish `scheduled` (or correct the count after a resume); False if cancelled."""
        req, now = env.request, self._clock()
        async with self._db.pool.acquire() as conn, conn.transaction():
            p = await PlanStore.lock(conn, req.tenant, req.request_id)
            assert p is not None
            if p.state == "cancel_requested":
                await self._publish(env, status(env, StatusKind.CANCELLED, now, Counts()))
                await PlanStore.update(
                    conn, req.tenant, req.request_id, state="cancelled", complete=True
                )
                return False
            total = p.expanded + sum(counts.values())
            if p.state == "expanding":
                await self._scheduled(env, conn, counts, total, now)
            elif total != p.recipients:  # resumed: the directory changed meanwhile
                kind = StatusKind.DISPATCHING if p.dispatching else StatusKind.SCHEDULED
                fixed = Counts(recipients=total, suppressed=p.suppressed)
                await self._publish(env, status(env, kind, now, fixed))
                await PlanStore.update(conn, req.tenant, req.request_id, recipients=total)
            return True

    async def _scheduled(
        self,
        env: RequestEnvelope,
        conn: asyncpg.Connection,
        counts: dict[str | None, int],
        total: int,
        now: datetime,
    ) -> None:
        req = env.request
        by = {str(k): v for k, v in counts.items() if k is not None}
        suppressed = sum(by.values())
        s = status(
            env,
            StatusKind.SCHEDULED,
            now,
            Counts(recipients=total, suppressed=suppressed),
            reasons=suppression_reasons(by),
        )
        await self._publish(env, s)
        await PlanStore.update(
            conn,
            req.tenant,
            req.request_id,
            state="streaming",
            recipients=total,
            suppressed=suppressed,
            suppressed_by=by,
        )
        for code, n in by.items():
            self._metrics.suppressed.labels(code).inc(n)
        log.info(
            "request_scheduled", request_id=req.request_id, recipients=total, suppressed=suppressed
        )

    async def _chunk_done(
        self, env: RequestEnvelope, members: list[Member], prev: str
    ) -> str | None:
        req, now = env.request, self._clock()
        policy = self._policies.of(req.tenant)
        hours: dict[str, int] = {}
        if req.schedule is not None and req.schedule.optimise:
            since = now - timedelta(days=policy.optimise_days)
            hours = await self._engagement.best_hours(
                req.tenant, [m.recipient_id for m in members], since
            )
        out = expand(env, members, now, policy, hours)
        cursor = members[-1].recipient_id
        rates = {t.lane: policy.rate(t.lane) for t in out.timers}
        await ensure_lanes(self._db.pool, req.tenant, rates, now)
        async with self._db.pool.acquire() as conn, conn.transaction():
            state = await PlanStore.advance(
                conn, req.tenant, req.request_id, prev, cursor, len(members)
            )
            if state is None:
                return None
            if state == "cancelled":
                out = out.cancel(env, now)
            await add_timers(conn, out.timers)
            await self._events.publish_many(
                Topic.OUTCOMES,
                [(o.delivery_id, o) for o in out.outcomes],
                trace_headers(env.trace_id),
            )
        self._metrics.expanded.inc(len(members))
        for t in out.timers:
            self._metrics.count_deferrals(t.deferred)
        for o in out.outcomes:
            self._metrics.outcomes.labels(str(o.outcome)).inc()
        return cursor

    async def _publish(self, env: RequestEnvelope, s: Status) -> None:
        await self._events.publish(
            Topic.STATUS, env.request.request_id, s, trace_headers(env.trace_id)
        )
