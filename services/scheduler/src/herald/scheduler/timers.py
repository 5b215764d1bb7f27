"""Durable timers in Postgres.

A timer is a row; releasing one deletes it in the same transaction that publishes its
send and waits for the broker's acknowledgement. A crash before the commit rolls the
delete back, so the timer fires again (the dispatcher drops the repeat by delivery id);
a crash after the commit has already published. `FOR UPDATE SKIP LOCKED` lets several
replicas claim disjoint timers.
"""

import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from herald.contracts import Recipient
from herald.contracts.internal import RequestEnvelope
from herald.runtime.service import Database
from herald.scheduler.directory import COLUMNS


@dataclass(frozen=True, slots=True)
class Timer:
    delivery_id: str
    tenant: str
    request_id: str
    recipient_id: str
    due_at: datetime
    expires_at: datetime | None
    priority: int


@dataclass(frozen=True, slots=True)
class Due:
    timer: Timer
    recipient: Recipient | None


@dataclass(frozen=True, slots=True)
class PlanCounts:
    tenant: str
    request_id: str
    recipients: int
    suppressed: int


_CLAIM = f"""
WITH due AS (
    DELETE FROM scheduler.timers WHERE delivery_id IN (
        SELECT delivery_id FROM scheduler.timers
        WHERE ready AND due_at <= $1
        ORDER BY priority DESC, due_at
        LIMIT $2
        FOR UPDATE SKIP LOCKED)
    RETURNING *)
SELECT due.delivery_id, due.due_at, due.expires_at, due.priority,
       due.tenant AS t_tenant, due.request_id, due.recipient_id AS t_recipient_id,
       {", ".join("r." + c for c in COLUMNS.split(", "))}
FROM due LEFT JOIN scheduler.recipients r USING (tenant, recipient_id)
"""  # noqa: S608 - constant column list


class Claim:
    """Timers claimed in one open transaction; leaving the block commits the release."""

    def __init__(self, conn: asyncpg.Connection, due: list[Due]) -> None:
        self._conn = conn
        self.due = due

    async def start_dispatching(self, keys: set[tuple[str, str]]) -> list[PlanCounts]:
        """Mark plans dispatching; return those that were not yet (announce them once)."""
        rows = await self._conn.fetch(
            """UPDATE scheduler.plans p SET dispatching_at = now()
               FROM unnest($1::text[], $2::text[]) AS k(tenant, request_id)
               WHERE p.tenant = k.tenant AND p.request_id = k.request_id
                 AND p.dispatching_at IS NULL
               RETURNING p.tenant, p.request_id, p.recipients, p.suppressed""",
            [k[0] for k in keys],
            [k[1] for k in keys],
        )
        return [
            PlanCounts(r["tenant"], r["request_id"], r["recipients"], r["suppressed"]) for r in rows
        ]


def _due(row: Any) -> Due:
    timer = Timer(
        row["delivery_id"],
        row["t_tenant"],
        row["request_id"],
        row["t_recipient_id"],
        row["due_at"],
        row["expires_at"],
        row["priority"],
    )
    known = row["recipient_id"] is not None
    return Due(timer, Recipient.model_validate(dict(row)) if known else None)


class TimerStore:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._envelopes: dict[tuple[str, str], RequestEnvelope] = {}

    async def open_plan(self, envelope: RequestEnvelope) -> bool:
        """Start planning; False if this request was fully planned before."""
        req = envelope.request
        state = await self._db.pool.fetchval(
            """INSERT INTO scheduler.plans (tenant, request_id, state, envelope)
               VALUES ($1, $2, 'expanding', $3)
               ON CONFLICT (tenant, request_id) DO UPDATE SET state = scheduler.plans.state
               RETURNING state""",
            req.tenant,
            req.request_id,
            envelope.model_dump(mode="json"),
        )
        return bool(state == "expanding")

    async def add(self, timers: Sequence[Timer]) -> None:
        if not timers:
            return
        await self._db.pool.execute(
            """INSERT INTO scheduler.timers
                 (delivery_id, tenant, request_id, recipient_id, due_at, expires_at, priority)
               SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],
                                    $5::timestamptz[], $6::timestamptz[], $7::smallint[])
               ON CONFLICT (delivery_id) DO NOTHING""",
            [t.delivery_id for t in timers],
            [t.tenant for t in timers],
            [t.request_id for t in timers],
            [t.recipient_id for t in timers],
            [t.due_at for t in timers],
            [t.expires_at for t in timers],
            [t.priority for t in timers],
        )

    async def close_plan(self, tenant: str, request_id: str, total: int, suppressed: int) -> None:
        """The plan is announced: its timers may fire."""
        async with self._db.pool.acquire() as conn, conn.transaction():
            await conn.execute(
                """UPDATE scheduler.plans SET state = 'scheduled', recipients = $3,
                       suppressed = $4 WHERE tenant = $1 AND request_id = $2""",
                tenant,
                request_id,
                total,
                suppressed,
            )
            await conn.execute(
                "UPDATE scheduler.timers SET ready = true WHERE tenant = $1 AND request_id = $2",
                tenant,
                request_id,
            )

    @contextlib.asynccontextmanager
    async def claim(self, now: datetime, limit: int) -> AsyncIterator[Claim]:
        async with self._db.pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(_CLAIM, now, limit)
            yield Claim(conn, [_due(r) for r in rows])

    async def envelope(self, tenant: str, request_id: str) -> RequestEnvelope:
        key = (tenant, request_id)
        if key not in self._envelopes:
            if len(self._envelopes) > 1000:
                self._envelopes.clear()
            raw = await self._db.pool.fetchval(
                "SELECT envelope FROM scheduler.plans WHERE tenant = $1 AND request_id = $2",
                tenant,
                request_id,
            )
            self._envelopes[key] = RequestEnvelope.model_validate(raw)
        return self._envelopes[key]
