"""Releasing due timers: claim what is due, decide it, announce `dispatching` once per
request, hand the sends on, and only then commit (see the service README)."""

import asyncio
import contextlib
import functools
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime

from herald.contracts import Counts, StatusKind, Topic
from herald.contracts.internal import OutcomeKind, RequestEnvelope
from herald.runtime.events import EventBus
from herald.runtime.lane import critical_lane, critical_work, sliced
from herald.runtime.loops import Wakeup
from herald.scheduler.domain.messages import status
from herald.scheduler.domain.model import PlanCounts, PlanKey
from herald.scheduler.domain.pacing import budgets
from herald.scheduler.domain.policy import Policies
from herald.scheduler.domain.routing import by_lane
from herald.scheduler.domain.settlement import (
    Settlement,
    capped_keys,
    closed,
    decide_into,
    in_order,
)
from herald.scheduler.lanes import wiring
from herald.scheduler.metrics import SchedulerMetrics
from herald.scheduler.ports import Plans, Timers


class Releaser:
    def __init__(
        self,
        timers: Timers,
        plans: Plans,
        events: EventBus,
        clock: Callable[[], datetime],
        policies: Policies,
        metrics: SchedulerMetrics,
        batch: int,
        poll_s: float,
        workers: int = 1,
        wakeup: Wakeup | None = None,
        critical_workers: int = 0,
        critical_wakeup: Wakeup | None = None,
        loops: Sequence[bool | None] | None = None,
    ) -> None:
        self._timers, self._plans, self._events, self._clock = timers, plans, events, clock
        self._policies, self._metrics = policies, metrics
        self._batch, self._poll_s = batch, poll_s
        self._loops = tuple(
            wiring("all", workers, critical_workers).release_loops if loops is None else loops
        )
        """Each release loop's lanes (herald.scheduler.lanes): True critical only, False
        the others only, None every lane."""
        self._wakeup = wakeup or Wakeup()
        self._critical_wakeup = critical_wakeup or Wakeup()
        """Its own: a bulk loop starting a round never clears a wakeup meant for it."""
        self._backlog = {kind: asyncio.Event() for kind in self._loops}
        """Set by a loop that released a full batch: the other loops of its kind join in."""

    async def run(self) -> None:
        """`workers` release loops: while one waits for the broker's acknowledgement of its
        batch, another claims and decides the next (claims skip each other's rows). With
        `critical_workers`, those loops take the critical lanes only and the others the
        rest, so a critical timer is claimed at once, never after a marketing batch.
        `loops` (a process serving one lane) says each loop's lanes instead."""
        await self.sync_rates()
        kinds = self._loops
        async with asyncio.TaskGroup() as loops:  # one failing stops all (then a restart)
            for i, kind in enumerate(kinds):
                loops.create_task(self._work(kind, leads=kind not in kinds[:i]))

    async def sync_rates(self) -> None:
        """Bring every lane's rate in line with the policies (they may have changed)."""
        lanes = await self._timers.lanes()
        await self._timers.set_rates(
            [(t, lane, self._policies.of(t).rate(lane)) for t, lane in lanes]
        )

    async def _work(self, critical: bool | None, leads: bool = True) -> None:
        """Release while there is a full batch; then wait. The first loop of each kind
        (`leads`) waits for the poll interval, or less when the planner here says timers
        are ready (`wakeup`): a push due now is not left waiting for the next poll. The
        others wait until a loop of their kind releases a full batch (a backlog, which
        they help with): an idle process polls once per kind, not once per loop, and a
        single push costs one round, not one per loop (each round is a transaction of
        several statements, and all but one found nothing). A critical-only loop runs in
        the critical lane (herald.runtime.lane: it never pauses, and takes the pool's
        reserved connections), its rounds as critical work (bulk steps step aside
        meanwhile)."""
        wakeup = self._critical_wakeup if critical else self._wakeup
        backlog = self._backlog[critical]
        with critical_lane() if critical else contextlib.nullcontext():
            while True:
                if leads:
                    wakeup.clear()
                else:
                    backlog.clear()
                with critical_work() if critical else contextlib.nullcontext():
                    released = await self.release_once(critical)
                if released >= self._batch:
                    backlog.set()
                elif leads:
                    await wakeup.wait(self._poll_s)
                else:
                    await backlog.wait()

    async def release_once(self, critical: bool | None = None) -> int:
        """Release one batch (of the critical lanes only, the others only, or all: None);
        return how many timers it handled."""
        now = self._clock()
        async with self._timers.claim() as claim:
            lanes = budgets(await claim.lock_lanes(critical), now, self._batch)
            due = await claim.take_due(lanes, now, self._batch)
            if not due:
                return 0
            keys = sorted({(d.timer.tenant, d.timer.request_id) for d in due})
            envs = await self._plans.envelopes(keys)
            usage = await claim.lock_usage(capped_keys(due, self._policies))
            done = Settlement()
            # in slices, giving the loop back between them (herald.runtime.lane): a
            # critical consumer or release loop here never waits for a whole batch
            decide = functools.partial(
                decide_into, done, envelopes=envs, usage=usage, now=now, policies=self._policies
            )
            await sliced(decide, in_order(due))
            closed(done, lanes, now)
            await claim.settle(done, now)
            fresh = await claim.start_dispatching(keys)
            await self._announce(fresh, envs)
            urgent, bulk = by_lane(done.sends)
            await asyncio.gather(
                self._events.publish_batched(Topic.SENDS_CRITICAL, urgent),
                self._events.publish_batched(Topic.SENDS, bulk),
                self._events.publish_batched(Topic.OUTCOMES, done.outcomes),
            )
        self._count(done)
        return len(due)

    async def _announce(
        self, plans: Sequence[PlanCounts], envs: dict[PlanKey, RequestEnvelope]
    ) -> None:
        for p in plans:
            env = envs[(p.tenant, p.request_id)]
            counts = Counts(recipients=p.recipients, suppressed=p.suppressed)
            s = status(env, StatusKind.DISPATCHING, self._clock(), counts)
            await self._events.publish(Topic.STATUS, p.request_id, s)

    def _count(self, done: Settlement) -> None:
        m = self._metrics
        lanes = Counter((d.timer.tenant, d.timer.lane) for d in done.released)
        for (tenant, lane), n in lanes.items():
            m.released.labels(tenant, lane).inc(n)
        if done.deferrals:
            m.deferred.labels("frequency_capped").inc(len(done.deferrals))
        for o in done.outcomes:
            m.outcomes.labels(str(o.outcome)).inc()
            if o.outcome == OutcomeKind.SUPPRESSED:
                m.suppressed.labels(str(o.reason)).inc()
