"""Turning an approved request into timers, streaming, with `scheduled` announced first.

The audience is counted and streamed in one snapshot: the count (by suppression reason)
is announced in `scheduled` before the first timer exists, and each chunk's timers are
ready as soon as the chunk commits, so the first sends go out while later recipients
are still being expanded, and `dispatching` always follows `scheduled`. Each chunk
commits its timers with the plan's cursor; a crash resumes after the last committed
chunk.
"""

import contextlib
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import structlog

from herald.contracts import Counts, Status, StatusKind, Topic
from herald.contracts.internal import RequestEnvelope
from herald.runtime.events import EventBus
from herald.runtime.lane import sliced
from herald.runtime.tracing import trace_headers
from herald.scheduler.domain.expansion import Expanded, expand
from herald.scheduler.domain.messages import status, suppression_reasons
from herald.scheduler.domain.model import Member, PlanKey, PlanState
from herald.scheduler.domain.pacing import is_critical_lane
from herald.scheduler.domain.policy import Policies
from herald.scheduler.engagement import best_hours
from herald.scheduler.metrics import SchedulerMetrics
from herald.scheduler.ports import Audience, EngagementLog, PlanChange, Plans, PlanWork, Timers

log = structlog.get_logger(__name__)

_UNSET = object()


class Planner:
    # deliberate declaration: the service's dependencies, injected by main
    def __init__(
        self,
        plans: Plans,
        audience: Audience,
        timers: Timers,
        engagement: EngagementLog,
        events: EventBus,
        clock: Callable[[], datetime],
        policies: Policies,
        metrics: SchedulerMetrics,
        chunk: int,
        *,
        id_key: bytes,
        timers_ready: Callable[[], None] = lambda: None,
        critical_ready: Callable[[], None] | None = None,
    ) -> None:
        self._plans, self._audience, self._timers = plans, audience, timers
        self._engagement, self._events, self._clock = engagement, events, clock
        self._policies, self._metrics, self._chunk = policies, metrics, chunk
        self._id_key = id_key
        self._timers_ready = timers_ready
        self._critical_ready = critical_ready or timers_ready
        """Told after a chunk's commit added timers due now, on the other lanes or on the
        critical lanes (the release loops of those lanes wake, not poll)."""
        self._lanes: dict[tuple[str, str], float | None] = {}
        """The lanes this planner has ensured, with the rate it ensured: a lane's row is
        never deleted and only this policy's rate is ever written, so a lane ensured
        once at a rate needs no statement again (one round trip less per chunk)."""

    def streams(self, env: RequestEnvelope) -> bool:
        """Whether the audience is streamed in chunks (not one listed chunk)."""
        listed = env.request.audience.recipients
        return listed is None or len(listed) > self._chunk

    async def plan(self, env: RequestEnvelope) -> None:
        req = env.request
        plan = await self._plans.open(env)
        if plan.complete:
            return  # planned before: a redelivery
        started = time.monotonic()
        if self.streams(env):
            done = await self._plan_streamed(env, plan.cursor)
        else:
            done = await self._plan_listed(env, plan.cursor)
        if done:
            self._metrics.expansion.observe(time.monotonic() - started)
            seconds = time.monotonic() - started
            # per request, beside `request_scheduled` and the histogram above: debug
            log.debug("request_expanded", request_id=req.request_id, seconds=seconds)

    async def _plan_streamed(self, env: RequestEnvelope, after: str) -> bool:
        """Any audience: counted and streamed in one snapshot, a transaction per chunk,
        then finished. False if cancelled or another expander took over."""
        req = env.request
        async with self._audience.snapshot() as snap:
            counts = await snap.count(req, after)
            if not await self._announce(env, counts):
                return False
            cursor: str | None = after
            chunks = snap.stream(req, after, self._chunk)
            async with contextlib.aclosing(chunks):
                async for members in chunks:
                    cursor = await self._chunk_done(env, members, cursor or "")
                    if cursor is None:
                        return False  # another expander took over
        await self._plans.finish_expansion((req.tenant, req.request_id))
        return True

    async def _plan_listed(self, env: RequestEnvelope, after: str) -> bool:
        """A listed audience of at most one chunk (most single pushes): read whole in one
        statement and counted here (no snapshot transaction, count query or cursor), then
        announced, its one chunk's timers added and the plan finished in one
        transaction. False if cancelled or another expander took over."""
        key = (env.request.tenant, env.request.request_id)
        members = await self._audience.listed(env.request, after)
        counts = dict(Counter(m.reason for m in members))
        if not members:
            if not await self._announce(env, counts):
                return False
            await self._plans.finish_expansion(key)
            return True
        chunk = await self._expand(env, members)
        async with self._plans.transaction() as tx:
            go, change = await self._announce_in(tx, env, counts)
            # the announcement's change rides on the chunk's own update (one statement)
            if not go or not await self._add(tx, env, chunk, after, last=True, change=change):
                return False
        self._added(chunk)
        return True

    async def _announce(self, env: RequestEnvelope, counts: dict[str | None, int]) -> bool:
        async with self._plans.transaction() as tx:
            go, change = await self._announce_in(tx, env, counts)
            if change is not None:
                await tx.change((env.request.tenant, env.request.request_id), change)
            return go

    async def _announce_in(
        self, tx: PlanWork, env: RequestEnvelope, counts: dict[str | None, int]
    ) -> tuple[bool, PlanChange | None]:
        """Publish `scheduled` (or correct the count after a resume) under the plan's row
        lock, before its change commits; whether to go on (False: cancelled) and the
        change the caller makes in this transaction."""
        req, now = env.request, self._clock()
        key = (req.tenant, req.request_id)
        p = await tx.lock(key)
        assert p is not None
        if p.state == PlanState.CANCEL_REQUESTED:
            await self._publish(env, status(env, StatusKind.CANCELLED, now, Counts()))
            await tx.change(key, PlanChange(state=PlanState.CANCELLED, complete=True))
            return False, None
        total = p.expanded + sum(counts.values())
        if p.state == PlanState.EXPANDING:
            return True, await self._scheduled(env, key, counts, total, now)
        if total != p.recipients:  # resumed: the directory changed meanwhile
            kind = StatusKind.DISPATCHING if p.dispatching else StatusKind.SCHEDULED
            fixed = Counts(recipients=total, suppressed=p.suppressed)
            await self._publish(env, status(env, kind, now, fixed))
            return True, PlanChange(recipients=total)
        return True, None

    async def _scheduled(
        self,
        env: RequestEnvelope,
        key: PlanKey,
        counts: dict[str | None, int],
        total: int,
        now: datetime,
    ) -> PlanChange:
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
        for code, n in by.items():
            self._metrics.suppressed.labels(code).inc(n)
        log.info("request_scheduled", request_id=key[1], recipients=total, suppressed=suppressed)
        return PlanChange(
            state=PlanState.STREAMING, recipients=total, suppressed=suppressed, suppressed_by=by
        )

    async def _chunk_done(
        self, env: RequestEnvelope, members: list[Member], prev: str
    ) -> str | None:
        chunk = await self._expand(env, members)
        async with self._plans.transaction() as tx:
            if not await self._add(tx, env, chunk, prev):
                return None
        self._added(chunk)
        return chunk.cursor

    async def _expand(self, env: RequestEnvelope, members: list[Member]) -> "_Chunk":
        """A chunk's timers and outcomes, its lanes ensured (reads and upserts only)."""
        req, now = env.request, self._clock()
        policy = self._policies.of(req.tenant)
        hours = await best_hours(self._engagement, req, policy, members, now)
        # a chunk in slices, giving the loop back between them (herald.runtime.lane): a
        # critical consumer in this process never waits for a whole chunk's expansion
        parts = await sliced(
            lambda some: expand(env, some, now, policy, hours, self._id_key), members
        )
        out = Expanded([t for p in parts for t in p.timers], [o for p in parts for o in p.outcomes])
        rates = {
            t.lane: rate
            for t in out.timers
            if self._lanes.get((req.tenant, t.lane), _UNSET) != (rate := policy.rate(t.lane))
        }
        await self._timers.ensure_lanes(req.tenant, rates, now)
        self._lanes.update(((req.tenant, lane), rate) for lane, rate in rates.items())
        return _Chunk(out, members[-1].recipient_id, len(members), now)

    async def _add(
        self,
        tx: PlanWork,
        env: RequestEnvelope,
        chunk: "_Chunk",
        prev: str,
        *,
        last: bool = False,
        change: PlanChange | None = None,
    ) -> bool:
        """Advance the plan's cursor past the chunk (`last`: and finish the plan; `change`:
        and make it) and add its timers (outcomes of the suppressed published before the
        commit); False if another expander took over."""
        req = env.request
        key = (req.tenant, req.request_id)
        out = chunk.out
        state = await tx.advance(
            key, prev, chunk.cursor, chunk.members, last=last, change=change, timers=out.timers
        )
        if state is None:
            return False
        if state == PlanState.CANCELLED:  # its timers were not added: their outcomes instead
            chunk.out = chunk.out.cancel(env, chunk.now)
        await self._events.publish_batched(
            Topic.OUTCOMES, chunk.out.outcomes, trace_headers(env.trace_id)
        )
        return True

    def _added(self, chunk: "_Chunk") -> None:
        """After a chunk's commit: wake the release loops of the lanes it made due now
        (none for a chunk that is all suppressed, scheduled or deferred: a round would
        find nothing), count."""
        due = {is_critical_lane(t.lane) for t in chunk.out.timers if t.due_at <= chunk.now}
        if False in due:
            self._timers_ready()
        if True in due:
            self._critical_ready()
        self._metrics.expanded.inc(chunk.members)
        for t in chunk.out.timers:
            self._metrics.count_deferrals(t.deferred)
        for o in chunk.out.outcomes:
            self._metrics.outcomes.labels(str(o.outcome)).inc()

    async def _publish(self, env: RequestEnvelope, s: Status) -> None:
        await self._events.publish(
            Topic.STATUS, env.request.request_id, s, trace_headers(env.trace_id)
        )


@dataclass(slots=True)
class _Chunk:
    """One chunk of an audience, expanded, on its way into a plan."""

    out: Expanded
    cursor: str
    members: int
    now: datetime
