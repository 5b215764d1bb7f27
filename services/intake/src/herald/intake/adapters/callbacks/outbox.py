"""The Postgres adapter of Outbox: queueing, claiming and recording deliveries
(parameterised SQL only). Listing and replaying are in `deliveries.py`."""

import secrets
from collections.abc import Sequence
from datetime import datetime

import asyncpg

from herald.intake.adapters.callbacks.deliveries import PgDeliveryReads
from herald.intake.adapters.callbacks.subscriptions import subscription_of
from herald.intake.callbacks.domain import Queued
from herald.intake.callbacks.ports import Claimed, Tried

# Due deliveries of active subscriptions, oldest first: none while an earlier one of the
# same subscription and subject is pending (order per request), and at most $3 of one
# subscription in flight (those leased now count against it).
_CLAIM = """
WITH busy AS (
    SELECT subscription_id, count(*) AS n FROM intake.callback_deliveries
    WHERE state = 'pending' AND leased_until > $1 GROUP BY subscription_id
), ready AS (
    SELECT d.seq, d.subscription_id,
           row_number() OVER (PARTITION BY d.subscription_id ORDER BY d.seq) AS rank
    FROM intake.callback_deliveries d
    JOIN intake.callback_subscriptions s ON s.id = d.subscription_id AND s.active
    WHERE d.state = 'pending' AND d.next_at <= $1
      AND (d.leased_until IS NULL OR d.leased_until <= $1)
      AND NOT EXISTS (
          SELECT 1 FROM intake.callback_deliveries e
          WHERE e.subscription_id = d.subscription_id AND e.subject = d.subject
            AND e.state = 'pending' AND e.seq < d.seq)
), chosen AS (
    SELECT ready.seq FROM ready LEFT JOIN busy USING (subscription_id)
    WHERE ready.rank + coalesce(busy.n, 0) <= $3 ORDER BY ready.seq LIMIT $4
)
UPDATE intake.callback_deliveries d SET leased_until = $2
FROM intake.callback_subscriptions s
WHERE s.id = d.subscription_id AND d.seq IN (SELECT seq FROM chosen)
RETURNING d.id AS delivery_id, d.event_id, d.body, d.failures AS delivery_failures,
          d.expires_at, s.*
"""

# One statement for the batch; rows are numbered (`seq`) in the events' order.
_ENQUEUE = """
INSERT INTO intake.callback_deliveries (id, subscription_id, event_id, type, subject, label,
    body, next_at, expires_at, created_at)
SELECT i.id, i.subscription_id, i.event_id, i.type, i.subject, i.label, i.body, $8, $9, $8
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
            $7::bytea[]) WITH ORDINALITY
     AS i(id, subscription_id, event_id, type, subject, label, body, n)
ORDER BY i.n
ON CONFLICT (subscription_id, event_id) DO NOTHING
RETURNING seq
"""

_RECORD = """
WITH attempt AS (
    UPDATE intake.callback_deliveries SET attempts = attempts + 1 WHERE id = $1
    RETURNING seq, attempts
)
INSERT INTO intake.callback_attempts (delivery_seq, n, at, status_code, latency_ms, error,
    next_at)
SELECT seq, attempts, $2, $3, $4, $5, $6 FROM attempt
"""


class PgOutbox(PgDeliveryReads):
    async def request_departments(
        self, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], str]:
        rows = await self._db.pool.fetch(
            """SELECT r.tenant, r.request_id, r.department FROM intake.requests r
               JOIN unnest($1::text[], $2::text[]) AS k(tenant, request_id)
                 USING (tenant, request_id)""",
            [k[0] for k in keys],
            [k[1] for k in keys],
        )
        return {(r["tenant"], r["request_id"]): r["department"] for r in rows}

    async def requester_departments(
        self, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], str]:
        rows = await self._db.pool.fetch(
            """SELECT DISTINCT ON (r.tenant, r.requester) r.tenant, r.requester, r.department
               FROM intake.requests r
               JOIN unnest($1::text[], $2::text[]) AS k(tenant, requester)
                 USING (tenant, requester)
               ORDER BY r.tenant, r.requester, r.created_at DESC""",
            [k[0] for k in keys],
            [k[1] for k in keys],
        )
        return {(r["tenant"], r["requester"]): r["department"] for r in rows}

    async def enqueue(self, items: Sequence[Queued], now: datetime, deadline: datetime) -> int:
        columns = (
            ["dlv_" + secrets.token_hex(12) for _ in items],
            [q.subscription_id for q in items],
            [q.event.id for q in items],
            [str(q.event.type) for q in items],
            [q.event.subject for q in items],
            [q.event.label for q in items],
            [q.event.body for q in items],
        )
        added = await self._db.pool.fetch(_ENQUEUE, *columns, now, deadline)
        return len(added)

    async def purge(self, before: datetime) -> int:
        done: str = await self._db.pool.execute(
            """DELETE FROM intake.callback_deliveries
               WHERE state <> 'pending' AND created_at < $1""",
            before,
        )
        return int(done.rsplit(maxsplit=1)[-1])

    async def expire(self, now: datetime) -> int:
        found: str = await self._db.pool.execute(
            """UPDATE intake.callback_deliveries SET state = 'failed', leased_until = NULL
               WHERE state = 'pending' AND expires_at < $1
                 AND (leased_until IS NULL OR leased_until <= $1)""",
            now,
        )
        return int(found.rsplit(maxsplit=1)[-1])

    async def claim(
        self, now: datetime, lease: datetime, per_subscription: int, limit: int
    ) -> list[Claimed]:
        async with self._db.pool.acquire() as conn, conn.transaction():
            # one claimer at a time across replicas, so the per-subscription limit holds
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext('intake_callbacks'))")
            rows = await conn.fetch(_CLAIM, now, lease, per_subscription, limit)
        return [
            Claimed(
                delivery_id=r["delivery_id"],
                event_id=r["event_id"],
                subscription=subscription_of(r),
                body=bytes(r["body"]),
                failures=r["delivery_failures"],
                expires_at=r["expires_at"],
                lease=lease,
            )
            for r in rows
        ]

    async def record(self, tried: Tried, disable_after: int) -> bool:
        c, a = tried.claimed, tried.answer
        async with self._db.pool.acquire() as conn, conn.transaction():
            await conn.execute(
                _RECORD, c.delivery_id, tried.at, a.status_code, a.latency_ms, a.error,
                tried.next_at,
            )  # fmt: skip
            state = "delivered" if a.ok else "pending" if tried.next_at else "failed"
            # a replay while this attempt was in flight took the lease: it stands
            await conn.execute(
                """UPDATE intake.callback_deliveries
                   SET state = $3, failures = failures + $4::int, leased_until = NULL,
                       next_at = coalesce($5, next_at)
                   WHERE id = $1 AND leased_until = $2""",
                c.delivery_id, c.lease, state, 0 if a.ok else 1, tried.next_at,
            )  # fmt: skip
            return await self._count(conn, c.subscription.id, a.ok, disable_after)

    @staticmethod
    async def _count(conn: asyncpg.Connection, sub_id: str, ok: bool, disable_after: int) -> bool:
        """Consecutive failures; True when this one disabled the subscription."""
        if ok:
            await conn.execute(
                "UPDATE intake.callback_subscriptions SET failures = 0 WHERE id = $1", sub_id
            )
            return False
        disabled: bool | None = await conn.fetchval(
            """UPDATE intake.callback_subscriptions SET failures = failures + 1,
                   active = active AND failures + 1 < $2::int,
                   disabled_reason = CASE WHEN active AND failures + 1 >= $2::int
                       THEN 'disabled after ' || $2::int::text || ' consecutive failed attempts'
                       ELSE disabled_reason END
               WHERE id = $1 RETURNING NOT active AND failures = $2::int""",
            sub_id,
            disable_after,
        )
        return bool(disabled)
