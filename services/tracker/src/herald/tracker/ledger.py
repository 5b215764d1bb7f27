"""Tracker's ledger in Postgres: batches go in by COPY into staging, then merge once each."""

import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from herald.contracts import Engagement, Status
from herald.contracts.internal import Outcome
from herald.runtime.service import Database

OUTCOME_COLUMNS = (
    "delivery_id",
    "tenant",
    "request_id",
    "department",
    "recipient_id",
    "outcome",
    "channel",
    "provider",
    "reason",
    "detail",
    "at",
)
ENGAGEMENT_COLUMNS = ("event_id", "delivery_id", "kind", "at", "url")
Key = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Finishing:
    tenant: str
    request_id: str
    recipients: int
    labels: dict[str, str]


class LedgerTx:
    """Work inside one transaction: what is recorded and what is announced commit together."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def add_outcomes(self, outcomes: Sequence[Outcome]) -> None:
        await self.conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS outcome_stage "
            "(LIKE tracker.outcomes) ON COMMIT DELETE ROWS"
        )
        await self.conn.copy_records_to_table(
            "outcome_stage",
            columns=OUTCOME_COLUMNS,
            records=[
                (
                    o.delivery_id,
                    o.tenant,
                    o.request_id,
                    o.department,
                    o.recipient_id,
                    str(o.outcome),
                    o.channel and str(o.channel),
                    o.provider,
                    o.reason and str(o.reason),
                    o.detail,
                    o.at,
                )
                for o in outcomes
            ],
        )
        await self.conn.execute(
            """WITH ins AS (
                   INSERT INTO tracker.outcomes SELECT * FROM outcome_stage
                   ON CONFLICT (delivery_id) DO NOTHING
                   RETURNING tenant, request_id, department),
               per AS (SELECT tenant, request_id, min(department) AS department, count(*) AS n
                       FROM ins GROUP BY tenant, request_id)
               INSERT INTO tracker.requests (tenant, request_id, department, outcomes)
               SELECT tenant, request_id, department, n FROM per
               ON CONFLICT (tenant, request_id) DO UPDATE
                 SET outcomes = tracker.requests.outcomes + EXCLUDED.outcomes,
                     department = coalesce(tracker.requests.department, EXCLUDED.department)"""
        )

    async def expect(self, statuses: Sequence[Status]) -> None:
        """`scheduled` tells how many recipients (so outcomes) a request has."""
        await self.conn.executemany(
            """INSERT INTO tracker.requests (tenant, request_id, labels, recipients)
               VALUES ($1, $2, $3, $4)
               ON CONFLICT (tenant, request_id) DO UPDATE
                 SET labels = EXCLUDED.labels, recipients = EXCLUDED.recipients""",
            [
                (s.tenant, s.request_id, s.labels, s.counts.recipients if s.counts else 0)
                for s in statuses
            ],
        )

    async def add_engagement(self, events: Sequence[Engagement]) -> list[Key]:
        """Store new events; return the finished requests whose counts they change."""
        await self.conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS engagement_stage "
            "(LIKE tracker.engagement) ON COMMIT DELETE ROWS"
        )
        await self.conn.copy_records_to_table(
            "engagement_stage",
            columns=ENGAGEMENT_COLUMNS,
            records=[(e.event_id, e.delivery_id, str(e.kind), e.at, e.url) for e in events],
        )
        rows = await self.conn.fetch(
            """WITH ins AS (
                   INSERT INTO tracker.engagement SELECT * FROM engagement_stage
                   ON CONFLICT (event_id) DO NOTHING RETURNING delivery_id)
               SELECT DISTINCT o.tenant, o.request_id
               FROM ins JOIN tracker.outcomes o USING (delivery_id)
               JOIN tracker.requests r ON r.tenant = o.tenant AND r.request_id = o.request_id
               WHERE r.final_status IS NOT NULL"""
        )
        return [(r["tenant"], r["request_id"]) for r in rows]

    async def ready_to_finish(self, keys: set[Key]) -> list[Finishing]:
        rows = await self.conn.fetch(
            """SELECT r.tenant, r.request_id, r.recipients, r.labels FROM tracker.requests r
               JOIN unnest($1::text[], $2::text[]) AS k(tenant, request_id)
                 ON r.tenant = k.tenant AND r.request_id = k.request_id
               WHERE r.recipients IS NOT NULL AND r.outcomes >= r.recipients
                 AND r.final_status IS NULL
               FOR UPDATE OF r""",
            [k[0] for k in keys],
            [k[1] for k in keys],
        )
        return [Finishing(r["tenant"], r["request_id"], r["recipients"], r["labels"]) for r in rows]

    async def finish(self, tenant: str, request_id: str, final_status: str) -> None:
        await self.conn.execute(
            """UPDATE tracker.requests SET final_status = $3, finalized_at = now()
               WHERE tenant = $1 AND request_id = $2""",
            tenant,
            request_id,
            final_status,
        )

    async def final(self, tenant: str, request_id: str) -> tuple[str, dict[str, str]] | None:
        row = await self.conn.fetchrow(
            "SELECT final_status, labels FROM tracker.requests WHERE tenant=$1 AND request_id=$2",
            tenant,
            request_id,
        )
        return (row["final_status"], row["labels"]) if row and row["final_status"] else None


class Ledger:
    def __init__(self, db: Database) -> None:
        self._db = db

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[LedgerTx]:
        async with self._db.pool.acquire() as conn, conn.transaction():
            yield LedgerTx(conn)

    async def by_channel(self, tenant: str, request_id: str, conn: Any = None) -> list[Any]:
        return list(await (conn or self._db.pool).fetch(BY_CHANNEL, tenant, request_id))

    async def request(self, tenant: str, request_id: str) -> Any:
        return await self._db.pool.fetchrow(
            "SELECT * FROM tracker.requests WHERE tenant = $1 AND request_id = $2",
            tenant,
            request_id,
        )


BY_CHANNEL = """
WITH o AS (SELECT * FROM tracker.outcomes WHERE tenant = $1 AND request_id = $2),
e AS (
    SELECT e.delivery_id,
           bool_or(true) AS any_event,
           bool_or(e.kind IN ('opened', 'read')) AS opened,
           bool_or(e.kind = 'read') AS read,
           bool_or(e.kind = 'clicked') AS clicked
    FROM tracker.engagement e JOIN o USING (delivery_id)
    GROUP BY e.delivery_id)
SELECT coalesce(o.channel, '') AS channel, o.outcome, coalesce(o.reason, '') AS reason,
       count(*) AS n,
       count(*) FILTER (WHERE o.outcome = 'delivered' OR e.any_event) AS delivered,
       count(*) FILTER (WHERE e.opened) AS opened,
       count(*) FILTER (WHERE e.read) AS read,
       count(*) FILTER (WHERE e.clicked) AS clicked
FROM o LEFT JOIN e USING (delivery_id)
GROUP BY 1, 2, 3
"""
