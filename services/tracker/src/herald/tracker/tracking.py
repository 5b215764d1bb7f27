"""Tracker's service layer: record batches, finish requests, announce later counts.

Statuses are published before the transaction commits: a crash in between announces
again after the redelivery (at-least-once), it never loses an announcement.
"""

import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import structlog

from herald.contracts import Engagement, Status, StatusKind, Topic
from herald.contracts.internal import Outcome
from herald.runtime.events import EventBus
from herald.tracker.erasure import RecipientSeen, last_word
from herald.tracker.ingest import Recorded
from herald.tracker.metrics import TrackerMetrics
from herald.tracker.outage import transient_database_errors
from herald.tracker.partitions import months_of
from herald.tracker.ports import Finishing, Key, LedgerPort, LedgerWork, Partitions
from herald.tracker.report import Report, build_report, final_status
from herald.tracker.window import admit, latest_allowed

log = structlog.get_logger(__name__)
EXPECTING = (StatusKind.SCHEDULED, StatusKind.DISPATCHING)


class Tracker:
    def __init__(
        self,
        ledger: LedgerPort,
        partitions: Partitions,
        events: EventBus,
        metrics: TrackerMetrics,
        clock: Callable[[], datetime],
        *,
        future_skew_s: int = 86_400,
    ) -> None:
        self._ledger, self._partitions, self._events = ledger, partitions, events
        self._metrics, self._clock, self._skew = metrics, clock, future_skew_s

    async def on_outcomes(self, outcomes: Sequence[Outcome]) -> None:
        topic = str(Topic.OUTCOMES)
        admitted = admit(outcomes, lambda o: o.at, self._partitions.horizon())
        if admitted.kept:
            with transient_database_errors(self._partitions):
                await self._partitions.ensure(months_of(o.at for o in admitted.kept))
                started = time.perf_counter()
                async with self._ledger.transaction() as tx:
                    recorded = await tx.add_outcomes(admitted.kept)
                    keys = {(o.tenant, o.request_id) for o in admitted.kept}
                    await self._finish_ready(tx, keys)
            self._observe(topic, [o.at for o in admitted.kept], started, recorded, outcome=True)
        self._count_skipped(topic, admitted.too_old, admitted.future)

    async def on_engagement(self, events: Sequence[Engagement]) -> None:
        topic = str(Topic.ENGAGEMENT)
        latest = latest_allowed(self._clock(), self._skew)
        admitted = admit(events, lambda e: e.at, self._partitions.horizon(), latest)
        if admitted.kept:
            with transient_database_errors(self._partitions):
                await self._partitions.ensure(months_of(e.at for e in admitted.kept))
                started = time.perf_counter()
                async with self._ledger.transaction() as tx:
                    recorded = await tx.add_engagement(admitted.kept)
            self._observe(topic, [e.at for e in admitted.kept], started, recorded, outcome=False)
        self._count_skipped(topic, admitted.too_old, admitted.future)

    async def on_statuses(self, statuses: Sequence[Status]) -> None:
        expecting = [s for s in statuses if s.status in EXPECTING and s.counts is not None]
        if not expecting:
            return
        with transient_database_errors(self._partitions):
            async with self._ledger.transaction() as tx:
                await tx.expect(expecting)
                await self._finish_ready(tx, {(s.tenant, s.request_id) for s in expecting})

    async def on_recipients(self, seen: Sequence[RecipientSeen]) -> None:
        erased, restored = last_word(seen)
        if not erased and not restored:
            return
        with transient_database_errors(self._partitions):
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
            await self._events.publish_many(Topic.STATUS, [(s.request_id, s) for s in statuses])
            await tx.announced([(f.tenant, f.request_id) for f in due], now, None)
        self._metrics.status_updates.inc(len(due))
        return len(due)

    async def _finish_ready(self, tx: LedgerWork, keys: set[Key]) -> None:
        for f in await tx.ready_to_finish(keys):
            report = await self._report(tx, f)
            kind = StatusKind(final_status(report))
            await self._events.publish(Topic.STATUS, f.request_id, self._status(f, kind, report))
            await tx.announced([(f.tenant, f.request_id)], self._clock(), str(kind))
            log.info("request_finished", request_id=f.request_id, status=str(kind))

    @staticmethod
    async def _report(tx: LedgerWork, f: Finishing) -> Report:
        rows, deferrals = await tx.report_rows(f.tenant, f.request_id)
        return build_report(f.recipients, rows, deferrals)

    def _status(self, f: Finishing, kind: StatusKind, report: Report) -> Status:
        return Status(
            request_id=f.request_id,
            tenant=f.tenant,
            status=kind,
            at=self._clock(),
            counts=report.counts(),
            labels=f.labels,
        )

    def _count_skipped(self, topic: str, too_old: int, future: int) -> None:
        if too_old:
            self._metrics.skipped.labels(topic, "before_retention").inc(too_old)
        if future:
            self._metrics.skipped.labels(topic, "future").inc(future)

    def _observe(
        self,
        topic: str,
        times: Sequence[datetime],
        started: float,
        recorded: Sequence[Recorded],
        *,
        outcome: bool,
    ) -> None:
        m = self._metrics
        m.db_write.labels(topic).observe(time.perf_counter() - started)
        m.batch_size.labels(topic).observe(len(times))
        now = self._clock()
        lag = m.ingest_lag.labels(topic)
        for at in times:
            lag.observe(max(0.0, (now - at).total_seconds()))
        counter = m.outcomes if outcome else m.engagement
        for r in recorded:
            counter.labels(m.tenant(r.tenant), m.channel(r.channel), r.kind).inc(r.n)
