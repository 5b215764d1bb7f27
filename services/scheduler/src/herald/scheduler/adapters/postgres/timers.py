"""Durable timers in `scheduler.timer_batches` (a row per batch of sends, `batches`) and
the pacing lanes in `scheduler.lanes`.

A release claims due rows with `FOR UPDATE SKIP LOCKED` (replicas take disjoint rows),
publishes, waits for the broker's acknowledgement and only then moves the rows past the
ids it took (or deletes them) and commits, in one transaction (`claim.PostgresClaim`).
A crash before the commit rolls everything back and the timers fire again (the
dispatcher drops a repeat by delivery id); after the commit nothing is left to fire.
See the service README.
"""

from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime

from herald.runtime.db import Database
from herald.scheduler.adapters.postgres.claim import PostgresClaim
from herald.scheduler.adapters.postgres.connection import contention, working


class PostgresTimers:
    def __init__(self, db: Database) -> None:
        self._db = db

    def claim(self) -> AbstractAsyncContextManager[PostgresClaim]:
        return working(self._db, PostgresClaim)

    async def ensure_lanes(
        self, tenant: str, rates: Mapping[str, float | None], now: datetime
    ) -> None:
        lanes = sorted(rates)
        if not lanes:
            return
        with contention():
            await self._db.pool.execute(
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

    async def lanes(self) -> list[tuple[str, str]]:
        found = await self._db.pool.fetch(
            "SELECT tenant, lane FROM scheduler.lanes ORDER BY tenant, lane"
        )
        return [(r["tenant"], r["lane"]) for r in found]

    async def set_rates(self, rates: Sequence[tuple[str, str, float | None]]) -> None:
        await self._db.pool.executemany(
            """UPDATE scheduler.lanes SET rate = $3
               WHERE tenant = $1 AND lane = $2 AND rate IS DISTINCT FROM $3""",
            list(rates),
        )

    async def pending(self, now: datetime) -> tuple[int, float]:
        row = await self._db.pool.fetchrow(
            """SELECT (SELECT sum(size - taken) FROM scheduler.timer_batches) AS n,
                      (SELECT extract(epoch FROM $1 - min(due_at))
                       FROM scheduler.timer_batches WHERE due_at <= $1) AS lag""",
            now,
        )
        return int(row["n"] or 0), max(0.0, float(row["lag"] or 0.0))
