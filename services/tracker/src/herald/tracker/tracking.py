"""Tracker's service layer: record batches, finish requests, announce later counts.

Statuses are published before the transaction commits: a crash in between announces
again after the redelivery (at-least-once), it never loses an announcement. An outage
is left to the runtime's consumer to wait out; a partition another replica dropped is
forgotten first, so that the retry creates it again.
"""

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

import structlog

from herald.contracts import Engagement, Status, StatusKind, Topic
from herald.contracts.internal import Outcome
from herald.runtime.clock import Clock
from herald.runtime.events import EventBus
from herald.runtime.statuses import status_of
from herald.runtime.tracing import trace_headers
from herald.tracker.domain.erasure import RecipientSeen, last_word
from herald.tracker.domain.partitions import Month, months_of
from herald.tracker.domain.report import Report, build_report, final_status
from herald.tracker.domain.window import admit, earliest, latest_allowed
from herald.tracker.metrics import TrackerMetrics
from herald.tracker.ports import (
    Expected,
    Finishing,
    Key,
    LedgerPort,
    LedgerWork,
    PartitionMissingError,
    Partitions,
    Recorded,
    Refused,
)

log = structlog.get_logger(__name__)
EXPECTING = (StatusKind.SCHEDULED, StatusKind.DISPATCHING)


class Dated(Protocol):
    @property
    def at(self) -> datetime: ...


D = TypeVar("D", bound=Dated)


def _at(item: Dated) -> datetime:
    return item.at


def _request(o: Outcome) -> Key:
    return (o.tenant, o.request_id)


class Tracker:
    def __init__(
        self,
        ledger: LedgerPort,
        partitions: Partitions,
        events: EventBus,
        metrics: TrackerMetrics,
        clock: Clock,
        *,
        future_skew_s: int = 86_400,
    ) -> None:
        self._ledger, self._partitions, self._events = ledger, partitions, events
        self._metrics, self._clock, self._skew = metrics, clock, future_skew_s

    async def on_outcomes(self, outcomes: Sequence[Outcome]) -> None:
        """Each outcome goes to the month its request began in (fixed by whatever of the
        request came first), so that a redelivery, whatever its own time, meets the row
        already there. A request that began before the horizon has had its month dropped:
        its outcomes are not recorded again (they would count twice)."""
        horizon = self._partitions.horizon()
        admitted = admit(outcomes, _at, horizon)
        kept, late, begun = admitted.kept, 0, {}
        if kept:
            begun = await self._ledger.begun(earliest(kept, _request, _at))
            in_time = admit(kept, lambda o: begun[_request(o)], horizon)
            kept, late = in_time.kept, in_time.too_old

        async def write(tx: LedgerWork, kept: list[Outcome]) -> list[Recorded]:
            recorded = await tx.add_outcomes(kept, begun)
            await self._finish_ready(tx, {_request(o) for o in kept})
            return recorded

        months = months_of({begun[k] for k in {_request(o) for o in kept}})
        await self._record(Topic.OUTCOMES, kept, months, write)
        self._count_skipped(str(Topic.OUTCOMES), admitted.too_old + late, 0)

    async def on_engagement(self, events: Sequence[Engagement]) -> list[Refused]:
        """Record a batch of events; those that claim another tenant's delivery are not
        recorded but handed back (the consumer dead-letters them)."""
        refused: list[Refused] = []

        async def write(tx: LedgerWork, kept: list[Engagement]) -> list[Recorded]:
            recorded, wrong = await tx.add_engagement(kept)
            refused.extend(wrong)
            return recorded

        latest = latest_allowed(self._clock(), self._skew)
        admitted = admit(events, _at, self._partitions.horizon(), latest)
        months = months_of(e.at for e in admitted.kept)
        await self._record(Topic.ENGAGEMENT, admitted.kept, months, write)
        self._count_skipped(str(Topic.ENGAGEMENT), admitted.too_old, admitted.future)
        if refused:
            self._metrics.skipped.labels(str(Topic.ENGAGEMENT), "other_tenant").inc(len(refused))
            log.warning("engagement_refused_other_tenant", events=len(refused))
        return refused

    async def _record(
        self,
        topic: Topic,
        kept: list[D],
        months: set[Month],
        write: Callable[[LedgerWork, list[D]], Awaitable[list[Recorded]]],
    ) -> None:
        """Record what was admitted in one transaction, its months' partitions made first."""
        if not kept:
            return
        with self._missing_partitions_forgotten():
            await self._partitions.ensure(months)
            started = time.perf_counter()
            async with self._ledger.transaction() as tx:
                recorded = await write(tx, kept)
        self._observe(topic, [i.at for i in kept], started, recorded)

    async def on_statuses(self, statuses: Sequence[Expected]) -> None:
        expecting = [
            e for e in statuses if e.status.status in EXPECTING and e.status.counts is not None
        ]
        if not expecting:
            return
        async with self._ledger.transaction() as tx:
            await tx.expect(expecting)
            keys = {(e.status.tenant, e.status.request_id) for e in expecting}
            await self._finish_ready(tx, keys)

    async def on_recipients(self, seen: Sequence[RecipientSeen]) -> None:
        erased, restored = last_word(seen)
        if not erased and not restored:
            return
        unlinked = await self._ledger.erase(erased, restored)
        self._metrics.erasures.inc(len(erased))
        if erased:
            log.info("recipients_erased", recipients=len(erased), outcomes_unlinked=unlinked)

    async def publish_updates(self, min_interval_s: float, limit: int = 500) -> int:
        """Announce finished requests whose counts changed, each at most once an interval."""
        now = self._clock()
        async with self._ledger.transaction() as tx:
            due = await tx.due_updates(now - timedelta(seconds=min_interval_s), limit)
            if not due:
                return 0
            statuses = [
                self._status(
                    f, StatusKind(f.final_status or StatusKind.COMPLETED), await self._report(tx, f)
                )
                for f in due
            ]
            await asyncio.gather(
                *(
                    self._events.publish(Topic.STATUS, s.request_id, s, trace_headers(f.trace_id))
                    for f, s in zip(due, statuses, strict=True)
                )
            )
            await tx.announced([(f.tenant, f.request_id) for f in due], now, None)
        self._metrics.status_updates.inc(len(due))
        return len(due)

    async def _finish_ready(self, tx: LedgerWork, keys: set[Key]) -> None:
        """Announce every request this batch completed: each one's report read, then all
        their final statuses published together (one status per request, so no order
        between them to keep) and recorded with one statement per final status, not
        one publish wait and one statement per request."""
        finished: dict[str, list[Finishing]] = {}
        statuses: list[tuple[Finishing, Status]] = []
        for f in await tx.ready_to_finish(keys):
            report = await self._report(tx, f)
            kind = StatusKind(final_status(report))
            finished.setdefault(str(kind), []).append(f)
            statuses.append((f, self._status(f, kind, report)))
        if not statuses:
            return
        await asyncio.gather(
            *(
                self._events.publish(Topic.STATUS, s.request_id, s, trace_headers(f.trace_id))
                for f, s in statuses
            )
        )
        now = self._clock()
        for final, done in finished.items():
            await tx.announced([(f.tenant, f.request_id) for f in done], now, final)
        for f, s in statuses:
            log.info("request_finished", request_id=f.request_id, status=str(s.status))

    @staticmethod
    async def _report(tx: LedgerWork, f: Finishing) -> Report:
        rows, deferrals = await tx.report_rows(f.tenant, f.request_id)
        return build_report(f.recipients, rows, deferrals)

    def _status(self, f: Finishing, kind: StatusKind, report: Report) -> Status:
        return status_of(f, kind, self._clock(), counts=report.counts())

    @contextlib.contextmanager
    def _missing_partitions_forgotten(self) -> Iterator[None]:
        try:
            yield
        except PartitionMissingError:
            self._partitions.forget()
            raise

    def _count_skipped(self, topic: str, too_old: int, future: int) -> None:
        if too_old:
            self._metrics.skipped.labels(topic, "before_retention").inc(too_old)
        if future:
            self._metrics.skipped.labels(topic, "future").inc(future)

    def _observe(
        self, topic: Topic, times: Sequence[datetime], started: float, recorded: Sequence[Recorded]
    ) -> None:
        m = self._metrics
        m.db_write.labels(str(topic)).observe(time.perf_counter() - started)
        m.batch_size.labels(str(topic)).observe(len(times))
        now = self._clock()
        lag = m.ingest_lag.labels(str(topic))
        for at in times:
            lag.observe(max(0.0, (now - at).total_seconds()))
        counter = m.outcomes if topic == Topic.OUTCOMES else m.engagement
        for r in recorded:
            counter.labels(m.tenant(r.tenant), m.channel(r.channel), r.kind).inc(r.n)
