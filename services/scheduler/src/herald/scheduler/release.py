"""The timer loop: claim what is due, decide each, announce `dispatching` once, hand on."""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from herald.contracts import Category, Counts, ReasonCode, Status, StatusKind, Topic
from herald.contracts.internal import OutcomeKind, RequestEnvelope
from herald.runtime.events import EventBus, Item
from herald.scheduler import caps_store
from herald.scheduler.claim import Claim, Due
from herald.scheduler.domain import caps
from herald.scheduler.domain.policy import Policies
from herald.scheduler.domain.release import Verdict, capped, decide, timing_of
from herald.scheduler.messages import outcome, send
from herald.scheduler.metrics import SchedulerMetrics
from herald.scheduler.plans import PlanStore
from herald.scheduler.release_store import finish
from herald.scheduler.timers import TimerStore

_ENDS = {Verdict.SUPPRESS: OutcomeKind.SUPPRESSED, Verdict.EXPIRE: OutcomeKind.EXPIRED}


@dataclass
class Batch:
    """What one claim turns into."""

    sends: list[Item] = field(default_factory=list)
    outcomes: list[Item] = field(default_factory=list)
    deferrals: list[tuple[str, datetime, tuple[str, ...]]] = field(default_factory=list)
    released: list[Due] = field(default_factory=list)
    usage: dict[caps_store.Key, dict[str, caps.Usage]] = field(default_factory=dict)
    changed: dict[caps_store.Key, dict[str, caps.Usage]] = field(default_factory=dict)


class Releaser:
    def __init__(
        self,
        timers: TimerStore,
        plans: PlanStore,
        events: EventBus,
        clock: Callable[[], datetime],
        policies: Policies,
        metrics: SchedulerMetrics,
        batch: int,
        poll_s: float,
        workers: int = 1,
    ) -> None:
        self._timers, self._plans, self._events, self._clock = timers, plans, events, clock
        self._policies, self._metrics = policies, metrics
        self._batch, self._poll_s, self._workers = batch, poll_s, workers

    async def run(self) -> None:
        """`workers` release loops: while one waits for the broker's acknowledgement of its
        batch, another claims and decides the next (claims skip each other's rows)."""
        await self._timers.sync_rates(self._policies)
        await asyncio.gather(*(self._work() for _ in range(self._workers)))

    async def _work(self) -> None:
        while True:
            if await self.release_once() < self._batch:
                await asyncio.sleep(self._poll_s)

    async def release_once(self) -> int:
        """Release one batch; return how many timers it handled."""
        now = self._clock()
        async with self._timers.claim(now, self._batch) as claim:
            if not claim.due:
                return 0
            batch = await self._decide(claim, now)
            await finish(claim, batch, now)
            keys = {(d.tenant, d.request_id) for d in claim.due}
            for plan in await claim.start_dispatching(keys):
                await self._announce(plan.tenant, plan.request_id, plan.recipients, plan.suppressed)
            await asyncio.gather(
                self._events.publish_many(Topic.SENDS, batch.sends),
                self._events.publish_many(Topic.OUTCOMES, batch.outcomes),
            )
        for d in batch.released:
            self._metrics.released.labels(d.tenant, d.lane).inc()
        return len(claim.due)

    async def _decide(self, claim: Claim, now: datetime) -> Batch:
        envs = {
            k: await self._plans.envelope(*k) for k in {(d.tenant, d.request_id) for d in claim.due}
        }
        capped_keys = [
            (d.tenant, d.recipient_id)
            for d in claim.due
            if capped(self._policies.of(d.tenant), Category(d.category))
        ]
        batch = Batch(usage=await caps_store.lock_usage(claim.conn, capped_keys))
        for due in sorted(claim.due, key=lambda d: (-d.priority, d.due_at)):
            self._apply(due, envs[(due.tenant, due.request_id)], now, batch)
        return batch

    def _apply(self, due: Due, env: RequestEnvelope, now: datetime, batch: Batch) -> None:
        policy = self._policies.of(due.tenant)
        key = (due.tenant, due.recipient_id)
        usage = batch.usage.get(key, {})
        noted = tuple(ReasonCode(r) for r in due.deferred)
        d = decide(env.request, due.recipient, due.expires_at, noted, now, policy, usage)
        if d.verdict == Verdict.DEFER:
            assert d.due_at is not None
            batch.deferrals.append((due.delivery_id, d.due_at, d.deferred))
            self._metrics.deferred.labels("frequency_capped").inc()
        elif d.verdict in _ENDS:
            o = outcome(
                env, due.delivery_id, due.recipient_id, _ENDS[d.verdict], d.reason, now, d.deferred
            )
            batch.outcomes.append((due.delivery_id, o))
            self._metrics.outcomes.labels(str(_ENDS[d.verdict])).inc()
            if d.verdict == Verdict.SUPPRESS:
                self._metrics.suppressed.labels(str(d.reason)).inc()
        else:
            assert due.recipient is not None
            s = send(
                env,
                due.delivery_id,
                due.recipient,
                d.channels,
                due.due_at,
                due.expires_at,
                d.deferred,
            )
            batch.sends.append((due.delivery_id, s))
            batch.released.append(due)
            if key in batch.usage:
                zone = timing_of(due.recipient, policy).zone
                new = caps.record(policy.caps, usage, d.channels[0], now, zone)
                usage.update(new)
                batch.changed.setdefault(key, {}).update(new)

    async def _announce(
        self, tenant: str, request_id: str, recipients: int, suppressed: int
    ) -> None:
        env = await self._plans.envelope(tenant, request_id)
        status = Status(
            request_id=request_id,
            tenant=tenant,
            status=StatusKind.DISPATCHING,
            at=self._clock(),
            counts=Counts(recipients=recipients, suppressed=suppressed),
            labels=env.request.labels,
        )
        await self._events.publish(Topic.STATUS, request_id, status)
