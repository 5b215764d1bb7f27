"""Dispatching sends: claim, check cancels/expiry/consent, deliver, park or record, report.

Sends of a batch run concurrently; every `flush_s` the finished ones are recorded in the
ledger and their outcomes published, so a crash repeats only the sends that were really
in flight (called, not yet recorded), never a whole batch. A batch never waits longer
than `batch_deadline_s` for its slowest provider: sends still running then are parked in
the retry table (hidden from redelivery, with a lease) and finish in the background, so
the partition moves on.
"""

import asyncio
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta

import structlog

from herald.contracts import Channel, ReasonCode, Topic
from herald.contracts.internal import Outcome, OutcomeKind, Send
from herald.dispatcher.delivery import Deliverer
from herald.dispatcher.domain.consent import ConsentRow, allowed
from herald.dispatcher.domain.lanes import Lane
from herald.dispatcher.domain.outcomes import Done, Later, Progress, dead_contacts, outcome
from herald.dispatcher.lane_gate import LaneSlots
from herald.dispatcher.metrics import DispatcherMetrics
from herald.dispatcher.ports import Ledger, Views
from herald.runtime.clock import Clock
from herald.runtime.events import EventBus
from herald.runtime.lane import pause
from herald.runtime.transient import retry_transient

log = structlog.get_logger(__name__)
Work = tuple[Send, Progress]
Gates = tuple[set[tuple[str, str]], dict[tuple[str, str], ConsentRow]]
"""What a send is checked against before its call: cancelled requests, current consent."""
RETRY_BATCH = 200


class Dispatcher:
    def __init__(
        self,
        ledger: Ledger,
        views: Views,
        deliverer: Deliverer,
        events: EventBus,
        metrics: DispatcherMetrics,
        clock: Clock,
        *,
        max_in_flight: int = 200,
        batch_deadline_s: float = 5.0,
        flush_s: float = 0.05,
        lease_s: float = 120.0,
        max_backoff_s: float = 5.0,
        critical_reserve: float = 0.0,
        resumes: Sequence[Lane] = ("bulk", "critical"),
    ) -> None:
        self._ledger, self._views, self._deliverer = ledger, views, deliverer
        self._events, self._metrics, self._clock = events, metrics, clock
        self._slots = LaneSlots.split(max_in_flight, critical_reserve)
        """In-flight sends, some slots kept for critical ones (`lane_gate`)."""
        self.max_in_flight = max(1, max_in_flight)
        self._deadline_s, self._flush_s = batch_deadline_s, flush_s
        self._lease = timedelta(seconds=lease_s)
        self._max_backoff_s = max_backoff_s
        self._background: set[asyncio.Task[None]] = set()
        self._resumes = tuple(resumes)
        """The lanes whose parked sends `resume_due` takes (`domain.lanes.resumed_by`)."""

    async def dispatch(self, sends: Sequence[Send]) -> None:
        """A batch from push.sends.v1 or push.sends_critical.v1: each delivery id is sent
        at most once."""
        unique = list({s.delivery_id: s for s in sends}.values())
        # three independent reads: one round trip of wall time instead of three
        claims, gates = await asyncio.gather(self._ledger.claim(unique), self._gates(unique))
        recorded = [c.outcome for c in claims.values() if c.outcome is not None]
        self._metrics.repeats.inc(len(recorded))
        todo = [
            s
            for s in unique
            if (c := claims.get(s.delivery_id)) is None or (c.outcome is None and not c.waiting)
        ]
        await self._run([(s, Progress()) for s in todo], recorded, gates)

    async def resume_due(self) -> int:
        """Parked sends whose time has come (backoff, Retry-After, rate limits): one batch,
        leased while it runs. How many there were: a full batch means more may be due."""
        due = await self._ledger.due(self._clock(), RETRY_BATCH, self._lease, self._resumes)
        self._metrics.waiting.set(len(due))
        if due:
            await self._run(due, [], await self._gates([s for s, _ in due]))
        return len(due)

    async def _gates(self, sends: Sequence[Send]) -> Gates:
        if not sends:
            return set(), {}
        return await asyncio.gather(
            self._views.cancelled({(s.tenant, s.request_id) for s in sends}),
            self._views.consent([(s.tenant, s.recipient_id) for s in sends]),
        )

    async def _run(self, items: Sequence[Work], republish: list[Outcome], gates: Gates) -> None:
        run = _Lanes(self, items, gates)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._deadline_s
        try:
            while run.lanes and (left := deadline - loop.time()) > 0:
                done, run.lanes = await asyncio.wait(run.lanes, timeout=min(self._flush_s, left))
                for lane in done:
                    lane.result()  # a lane that raised fails the batch, as a send did
                if finished := run.take():
                    await self._record(finished, republish)
                    republish = []
        except BaseException:  # the batch is redelivered: stop what would be orphaned
            for t in run.lanes:
                t.cancel()
            raise
        if run.lanes:
            lease = self._clock() + self._lease
            await self._ledger.park([Later(s, p, lease) for s, p in run.unfinished.values()])
            self._finish_later(run)
        finished = run.take()
        if finished or republish:
            await self._record(finished, republish)

    def _finish_later(self, run: "_Lanes") -> None:
        async def finish() -> None:
            try:
                await asyncio.gather(*run.lanes)
                await self._record(run.take(), [])
            except Exception:  # the parked rows retry them when their lease runs out
                log.exception("background_sends_failed", sends=len(run.unfinished))

        task = asyncio.create_task(finish())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def check(
        self,
        send: Send,
        cancelled: set[tuple[str, str]],
        consent: dict[tuple[str, str], ConsentRow],
        now: datetime | None = None,
    ) -> Done | frozenset[Channel]:
        """What is known before any call: an outcome, or the channels consent allows;
        `now` is the batch's (one clock reading for all its sends), else the clock's."""
        now = self._clock() if now is None else now
        if (send.tenant, send.request_id) in cancelled:
            return Done(outcome(send, OutcomeKind.CANCELLED, now, detail="request cancelled"))
        if send.expires_at is not None and now >= send.expires_at:
            return Done(outcome(send, OutcomeKind.EXPIRED, now, reason=ReasonCode.EXPIRED))
        channels = allowed(send, consent.get((send.tenant, send.recipient_id)))
        if not channels:
            return Done(
                outcome(
                    send,
                    OutcomeKind.SUPPRESSED,
                    now,
                    reason=ReasonCode.OPTED_OUT,
                    detail="consent withdrawn since scheduling",
                )
            )
        return frozenset(channels)

    async def deliver(
        self, send: Send, progress: Progress, channels: frozenset[Channel]
    ) -> Done | Later:
        async with self._slots.slot(send):
            return await self._deliverer.deliver(send, progress, channels)

    async def _record(self, results: Sequence[Done | Later], republish: list[Outcome]) -> None:
        """Settle what was sent, waiting out a Postgres or broker outage: these sends were
        made, so failing the batch (and having it redelivered) would make them again.
        Settling again is idempotent (upserts, keyed outcomes)."""
        await retry_transient(
            lambda: self._settle(results, republish),
            "recording_waiting_for_dependency",
            max_delay_s=self._max_backoff_s,
            sends=len(results),
        )

    async def _settle(self, results: Sequence[Done | Later], republish: list[Outcome]) -> None:
        finished = [r.outcome for r in results if isinstance(r, Done)]
        await self._ledger.park([r for r in results if isinstance(r, Later)])
        await self._invalidate(results)
        await self._ledger.finish(finished)
        outcomes = finished + republish
        await self._events.publish_batched(Topic.OUTCOMES, outcomes)
        # one counter update per label set, not per outcome (issue 17)
        counts = Counter((o.channel or "", o.provider or "", o.outcome) for o in finished)
        for labels, count in counts.items():
            self._metrics.outcomes_by(*labels).inc(count)
        for o in finished:
            if o.outcome is OutcomeKind.FAILED:
                # deliberate declaration: a structured log event: its fields, named
                log.warning(
                    "send_failed",
                    delivery_id=o.delivery_id,
                    trace_id=o.trace_id,
                    reason=o.reason,
                    detail=o.detail,
                )

    async def _invalidate(self, results: Sequence[Done | Later]) -> None:
        dead = dead_contacts(results, self._clock())
        for event in dead:
            self._metrics.invalidated.labels(str(event.channel)).inc()
        await self._events.publish_many(Topic.CONTACTS, [(e.recipient_id, e) for e in dead])

    async def close(self) -> None:
        """At shutdown: give background sends a moment; parked rows cover the rest."""
        if self._background:
            await asyncio.wait(self._background, timeout=self._deadline_s)
            for task in list(self._background):
                task.cancel()


class _Lanes:
    """A batch's sends run by at most `max_in_flight` tasks (lanes), each taking the next
    send when it is done with one: the concurrency of a task per send without a task,
    a wait and a context per send. What is known before any call (cancelled, expired,
    consent withdrawn) is settled at once. Finished sends collect until `take`."""

    def __init__(self, owner: Dispatcher, items: Sequence[Work], gates: Gates) -> None:
        self._owner = owner
        self._finished: list[Done | Later] = []
        self.unfinished: dict[int, Work] = {}
        todo: list[tuple[int, Work, frozenset[Channel]]] = []
        now = owner._clock()
        for index, (send, progress) in enumerate(items):
            checked = owner.check(send, *gates, now)
            if isinstance(checked, Done):
                self._finished.append(checked)
            else:
                self.unfinished[index] = (send, progress)
                todo.append((index, (send, progress), checked))
        self._next = iter(todo)
        count = min(len(todo), owner.max_in_flight)
        self.lanes: set[asyncio.Task[None]] = {
            asyncio.create_task(self._lane()) for _ in range(count)
        }

    def take(self) -> list[Done | Later]:
        finished, self._finished = self._finished, []
        return finished

    async def _lane(self) -> None:
        owner = self._owner
        for index, (send, progress), channels in self._next:
            result = await owner.deliver(send, progress, channels)
            del self.unfinished[index]
            self._finished.append(result)
            # a send that never suspends (an in-process provider, a cached render) would
            # let one task run the whole batch in one step: bulk gives the loop back
            await pause()
