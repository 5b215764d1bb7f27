"""Durable timers in Postgres: one row per send not yet handed on.

A release claims due rows with `FOR UPDATE SKIP LOCKED` (replicas take disjoint rows),
publishes, waits for the broker's acknowledgement and only then deletes the rows and
commits, in one transaction. A crash before the commit rolls everything back and the
timers fire again (the dispatcher drops a repeat by delivery id); after the commit
nothing is left to fire. See the service README.
"""

import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from herald.runtime.db import Database
from herald.scheduler.claim import Claim, Lane, claim_due, lock_lanes
from herald.scheduler.domain.policy import Policies


@dataclass(frozen=True, slots=True)
class Timer:
    delivery_id: str
    tenant: str
    request_id: str
    recipient_id: str
    due_at: datetime
    expires_at: datetime | None
    priority: int
    category: str = "notification"
    lane: str = ""
    deferred: tuple[str, ...] = ()


async def add_timers(conn: asyncpg.Connection, timers: Sequence[Timer]) -> None:
    """Insert ready timers (their lanes exist: `ensure_lanes`)."""
    if not timers:
        return
    await conn.execute(
        """INSERT INTO scheduler.timers (delivery_id, tenant, request_id, recipient_id, due_at,
               expires_at, priority, category, lane, deferred, ready)
           SELECT d, t, q, r, due, exp, p, c, l,
                  coalesce(string_to_array(nullif(df, ''), ','), '{}'), true
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[],
                       $6::timestamptz[], $7::smallint[], $8::text[], $9::text[], $10::text[])
                AS x(d, t, q, r, due, exp, p, c, l, df)
           ON CONFLICT (delivery_id) DO NOTHING""",
        [t.delivery_id for t in timers],
        [t.tenant for t in timers],
        [t.request_id for t in timers],
        [t.recipient_id for t in timers],
        [t.due_at for t in timers],
        [t.expires_at for t in timers],
        [t.priority for t in timers],
        [t.category for t in timers],
        [t.lane for t in timers],
        [",".join(t.deferred) for t in timers],
    )


async def ensure_lanes(
    conn: asyncpg.Connection | asyncpg.Pool,
    tenant: str,
    rates: dict[str, float | None],
    now: datetime,
) -> None:
    """Create the pacing lanes timers will use, with their current rates.

    Run outside a chunk's transaction: a release holds lane rows while it waits for a
    plan row, so taking a lane row under the plan row lock could deadlock."""
    lanes = sorted(rates)
    if not lanes:
        return
    await conn.execute(
        """INSERT INTO scheduler.lanes (tenant, lane, rate, tokens, refilled_at)
           SELECT $1, l, r, coalesce(r, 0), $4
           FROM unnest($2::text[], $3::float8[]) AS x(l, r)
           ON CONFLICT (tenant, lane) DO UPDATE SET rate = EXCLUDED.rate
           WHERE scheduler.lanes.rate IS DISTINCT FROM EXCLUDED.rate""",
        tenant,
        lanes,
        [rates[ln] for ln in lanes],
        now,
    )


class TimerStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    @contextlib.asynccontextmanager
    async def claim(self, now: datetime, limit: int) -> AsyncIterator[Claim]:
        """Due timers, locked until the block ends (and deleted if it ends well)."""
        async with self._db.pool.acquire() as conn, conn.transaction():
            lanes: list[Lane] = await lock_lanes(conn, now, limit)
            yield Claim(conn, lanes, await claim_due(conn, lanes, now, limit))

    async def sync_rates(self, policies: Policies) -> None:
        """Bring every lane's rate in line with the policies (they may have changed)."""
        rows = await self._db.pool.fetch(
            "SELECT tenant, lane FROM scheduler.lanes ORDER BY tenant, lane"
        )
        await self._db.pool.executemany(
            """UPDATE scheduler.lanes SET rate = $3
               WHERE tenant = $1 AND lane = $2 AND rate IS DISTINCT FROM $3""",
            [(r["tenant"], r["lane"], policies.of(r["tenant"]).rate(r["lane"])) for r in rows],
        )

    async def pending(self, now: datetime) -> tuple[int, float]:
        """How many timers wait, and how late the most overdue ready one is (seconds)."""
        row = await self._db.pool.fetchrow(
            """SELECT (SELECT count(*) FROM scheduler.timers) AS n,
                      (SELECT extract(epoch FROM $1 - min(due_at)) FROM scheduler.timers
                       WHERE ready AND due_at <= $1) AS lag""",
            now,
        )
        return int(row["n"]), max(0.0, float(row["lag"] or 0.0))
