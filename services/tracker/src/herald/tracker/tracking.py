"""Tracker's service layer: record, and announce a request's end (and later counts)."""

from collections.abc import Callable, Sequence
from datetime import datetime

import structlog

from herald.contracts import Engagement, Status, StatusKind, Topic
from herald.contracts.internal import Outcome
from herald.runtime.events import EventBus
from herald.tracker.ledger import Ledger, LedgerTx
from herald.tracker.report import build_report, final_status

log = structlog.get_logger(__name__)
EXPECTING = (StatusKind.SCHEDULED, StatusKind.DISPATCHING)


class Tracker:
    def __init__(self, ledger: Ledger, events: EventBus, clock: Callable[[], datetime]) -> None:
        self._ledger, self._events, self._clock = ledger, events, clock

    async def on_outcomes(self, outcomes: Sequence[Outcome]) -> None:
        async with self._ledger.transaction() as tx:
            await tx.add_outcomes(outcomes)
            await self._finish_ready(tx, {(o.tenant, o.request_id) for o in outcomes})

    async def on_statuses(self, statuses: Sequence[Status]) -> None:
        expecting = [s for s in statuses if s.status in EXPECTING and s.counts is not None]
        if not expecting:
            return
        async with self._ledger.transaction() as tx:
            await tx.expect(expecting)
            await self._finish_ready(tx, {(s.tenant, s.request_id) for s in expecting})

    async def on_engagement(self, events: Sequence[Engagement]) -> None:
        async with self._ledger.transaction() as tx:
            for tenant, request_id in await tx.add_engagement(events):
                final = await tx.final(tenant, request_id)
                if final is not None:
                    await self._announce(tx, tenant, request_id, StatusKind(final[0]), final[1])

    async def _finish_ready(self, tx: LedgerTx, keys: set[tuple[str, str]]) -> None:
        """Publish before the commit: a crash in between re-announces, never loses."""
        for f in await tx.ready_to_finish(keys):
            rows = await self._ledger.by_channel(f.tenant, f.request_id, tx.conn)
            status = StatusKind(final_status(build_report(f.recipients, rows)))
            await self._announce(tx, f.tenant, f.request_id, status, f.labels)
            await tx.finish(f.tenant, f.request_id, str(status))
            log.info("request_finished", request_id=f.request_id, status=str(status))

    async def _announce(
        self, tx: LedgerTx, tenant: str, request_id: str, kind: StatusKind, labels: dict[str, str]
    ) -> None:
        row = await tx.conn.fetchval(
            "SELECT recipients FROM tracker.requests WHERE tenant=$1 AND request_id=$2",
            tenant,
            request_id,
        )
        report = build_report(row or 0, await self._ledger.by_channel(tenant, request_id, tx.conn))
        status = Status(
            request_id=request_id,
            tenant=tenant,
            status=kind,
            at=self._clock(),
            counts=report.counts(),
            labels=labels,
        )
        await self._events.publish(Topic.STATUS, request_id, status)
