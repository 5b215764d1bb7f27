"""Tracker's ledger in Postgres: requests' bookkeeping, and the rows reports are built from.

Ingestion itself (COPY into staging, then merge) is in `ingest`; partitions in
`partitions`. Everything a batch records and announces happens in one transaction.
"""

import contextlib
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import asyncpg

from herald.contracts import Engagement
from herald.contracts.internal import Outcome
from herald.runtime.db import Database
from herald.tracker.adapters.postgres import queries
from herald.tracker.adapters.postgres.beginnings import Beginnings
from herald.tracker.adapters.postgres.ingest import merge_engagement, merge_outcomes
from herald.tracker.domain.erasure import RecipientKey
from herald.tracker.ports import (
    Expected,
    Finishing,
    Key,
    LabelQuery,
    PartitionMissingError,
    Recorded,
    Refused,
    TimelineQuery,
)


def _finishing(r: asyncpg.Record) -> Finishing:
    return Finishing(
        r["tenant"],
        r["request_id"],
        r["recipients"] or 0,
        r["labels"],
        r["final_status"],
        r["trace_id"],
    )


@contextlib.contextmanager
def _partitions_checked() -> Iterator[None]:
    """A row for a month without a partition fails its table's check: say so."""
    try:
        yield
    except asyncpg.exceptions.CheckViolationError as exc:
        raise PartitionMissingError("a partition went missing; creating it again") from exc


class LedgerTx:
    """Work inside one transaction: what is recorded and what is announced commit together."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self._merged: set[Key] = set()
        self._ready: dict[Key, Finishing] = {}
        """What the outcome merges of this transaction completed, by request: those
        rows are locked already and need not be read again (`ready_to_finish`)."""

    async def add_outcomes(
        self, outcomes: Sequence[Outcome], begun: Mapping[Key, datetime]
    ) -> list[Recorded]:
        with _partitions_checked():
            recorded, ready = await merge_outcomes(self.conn, outcomes, begun)
        self._merged |= {(o.tenant, o.request_id) for o in outcomes}
        self._ready |= {(f.tenant, f.request_id): f for f in ready}
        return recorded

    async def add_engagement(
        self, events: Sequence[Engagement]
    ) -> tuple[list[Recorded], list[Refused]]:
        with _partitions_checked():
            return await merge_engagement(self.conn, events)

    async def expect(self, expected: Sequence[Expected]) -> None:
        """`scheduled` tells how many recipients (so outcomes) a request has; the first
        trace id given is kept; a request first seen here began at the status's time."""
        await self.conn.executemany(
            """INSERT INTO tracker.requests (tenant, request_id, labels, recipients, trace_id,
                                             created_at)
               VALUES ($1, $2, $3, $4, $5, $6)
               ON CONFLICT (tenant, request_id) DO UPDATE
                 SET labels = EXCLUDED.labels, recipients = EXCLUDED.recipients,
                     trace_id = coalesce(nullif(tracker.requests.trace_id, ''),
                                         EXCLUDED.trace_id)""",
            [
                (
                    e.status.tenant,
                    e.status.request_id,
                    e.status.labels,
                    e.status.counts.recipients if e.status.counts else 0,
                    e.trace_id,
                    e.status.at,
                )
                for e in expected
            ],
        )

    async def ready_to_finish(self, keys: set[Key]) -> list[Finishing]:
        """A request an outcome merge here touched is complete only if the merge said so:
        one already complete was finished by the transaction that completed it."""
        if keys <= self._merged:
            return [self._ready.pop(k) for k in sorted(keys) if k in self._ready]
        rows = await self.conn.fetch(
            """SELECT r.tenant, r.request_id, r.recipients, r.labels, r.final_status, r.trace_id
               FROM tracker.requests r
               JOIN unnest($1::text[], $2::text[]) AS k(tenant, request_id)
                 ON r.tenant = k.tenant AND r.request_id = k.request_id
               WHERE r.recipients IS NOT NULL AND r.outcomes >= r.recipients
                 AND r.final_status IS NULL
               FOR UPDATE OF r""",
            [k[0] for k in keys],
            [k[1] for k in keys],
        )
        return [_finishing(r) for r in rows]

    async def due_updates(self, before: datetime, limit: int) -> list[Finishing]:
        """Finished requests with new engagement, last announced before `before`."""
        rows = await self.conn.fetch(
            """SELECT tenant, request_id, recipients, labels, final_status, trace_id
               FROM tracker.requests
               WHERE dirty AND final_status IS NOT NULL
                 AND (announced_at IS NULL OR announced_at <= $1)
               ORDER BY announced_at NULLS FIRST
               LIMIT $2
               FOR UPDATE SKIP LOCKED""",
            before,
            limit,
        )
        return [_finishing(r) for r in rows]

    async def announced(self, keys: Sequence[Key], at: datetime, final_status: str | None) -> None:
        """Record an announcement; with a final status, the request is finished."""
        await self.conn.execute(
            """UPDATE tracker.requests r
               SET dirty = false, announced_at = $3,
                   final_status = coalesce($4, r.final_status),
                   finalized_at = coalesce(r.finalized_at, $3)
               FROM unnest($1::text[], $2::text[]) AS k(tenant, request_id)
               WHERE r.tenant = k.tenant AND r.request_id = k.request_id""",
            [k[0] for k in keys],
            [k[1] for k in keys],
            at,
            final_status,
        )

    async def report_rows(self, tenant: str, request_id: str) -> tuple[list[Any], list[Any]]:
        return await report_rows(self.conn, tenant, request_id)


async def report_rows(
    conn: asyncpg.Connection | asyncpg.Pool, tenant: str, request_id: str
) -> tuple[list[Any], list[Any]]:
    rows = await conn.fetch(queries.BY_CHANNEL, tenant, request_id)
    deferrals = await conn.fetch(queries.DEFERRALS, tenant, request_id)
    return list(rows), list(deferrals)


class Ledger:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._beginnings = Beginnings(db)

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[LedgerTx]:
        async with self._db.pool.acquire() as conn, conn.transaction():
            yield LedgerTx(conn)

    async def begun(self, firsts: Mapping[Key, datetime]) -> dict[Key, datetime]:
        return await self._beginnings.of(firsts)

    async def request(self, tenant: str, request_id: str) -> Any:
        return await self._db.pool.fetchrow(
            "SELECT * FROM tracker.requests WHERE tenant = $1 AND request_id = $2",
            tenant,
            request_id,
        )

    async def report_rows(self, tenant: str, request_id: str) -> tuple[list[Any], list[Any]]:
        return await report_rows(self._db.pool, tenant, request_id)

    async def range_rows(
        self, tenant: str, since: datetime, until: datetime, department: str | None
    ) -> tuple[list[Any], list[Any]]:
        args = (tenant, since, until, department)
        rows = await self._db.pool.fetch(queries.RANGE_BY_CHANNEL, *args)
        deferrals = await self._db.pool.fetch(queries.RANGE_DEFERRALS, *args)
        return list(rows), list(deferrals)

    async def label_rows(self, query: LabelQuery) -> tuple[list[Any], list[Any]]:
        q = query
        args = (q.tenant, q.since, q.until, q.department, q.key, q.value, q.by_value)
        rows = await self._db.pool.fetch(queries.LABELLED_BY_CHANNEL, *args)
        deferrals = await self._db.pool.fetch(queries.LABELLED_DEFERRALS, *args)
        return list(rows), list(deferrals)

    async def timeline_rows(self, query: TimelineQuery) -> list[Any]:
        return list(
            await self._db.pool.fetch(
                queries.TIMELINE_BY_CHANNEL,
                query.tenant,
                query.since,
                query.until,
                query.department,
                query.bucket,
                query.request_id,
            )
        )

    async def erase(self, erased: Sequence[RecipientKey], restored: Sequence[RecipientKey]) -> int:
        """Unlink erased recipients from their outcomes, each in its own tenant; forget
        restored ones. Counts stay. The list of the erased holds digests, not ids."""
        gone = ([t for t, _ in erased], [r for _, r in erased])
        back = ([t for t, _ in restored], [r for _, r in restored])
        async with self._db.pool.acquire() as conn, conn.transaction():
            await conn.execute(
                """DELETE FROM tracker.erased e USING unnest($1::text[], $2::text[]) AS x(t, r)
                   WHERE e.tenant = x.t
                     AND e.digest = encode(sha256(convert_to(x.r, 'UTF8')), 'hex')""",
                *back,
            )
            await conn.execute(
                """INSERT INTO tracker.erased (tenant, digest)
                   SELECT x.t, encode(sha256(convert_to(x.r, 'UTF8')), 'hex')
                   FROM unnest($1::text[], $2::text[]) AS x(t, r)
                   ON CONFLICT (tenant, digest) DO UPDATE SET at = now()""",
                *gone,
            )
            status = await conn.execute(
                """UPDATE tracker.outcomes o SET recipient_id = NULL, detail = ''
                   FROM unnest($1::text[], $2::text[]) AS x(t, r)
                   WHERE o.tenant = x.t AND o.recipient_id = x.r""",
                *gone,
            )
        return int(status.split()[-1])
