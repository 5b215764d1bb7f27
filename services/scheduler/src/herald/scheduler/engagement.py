"""Engagement of our own deliveries, for send-time optimisation.

A release records which recipient a delivery id went to (`scheduler.released`); an
engagement event for that delivery id is kept once (by event id) as (recipient, time).
The hour histogram is computed from those rows over the last N days when a request
asks for optimisation. Old rows are pruned by a background loop.
"""

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from herald.contracts import Engagement, EngagementKind
from herald.runtime.db import Database

ENGAGED = frozenset(
    {EngagementKind.OPENED, EngagementKind.READ, EngagementKind.CLICKED, EngagementKind.CONVERTED}
)


class EngagementStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def record(self, events: Sequence[Engagement]) -> None:
        engaged = [e for e in events if e.kind in ENGAGED]
        if not engaged:
            return
        await self._db.pool.execute(
            """INSERT INTO scheduler.engagement (event_id, tenant, recipient_id, at)
               SELECT x.event_id, r.tenant, r.recipient_id, x.at
               FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS x(event_id, did, at)
               JOIN scheduler.released r ON r.delivery_id = x.did
               ON CONFLICT (event_id) DO NOTHING""",
            [e.event_id for e in engaged],
            [e.delivery_id for e in engaged],
            [e.at for e in engaged],
        )

    async def best_hours(self, tenant: str, ids: Sequence[str], since: datetime) -> dict[str, int]:
        """Each recipient's most engaged UTC hour since `since` (ties: the earlier hour)."""
        rows = await self._db.pool.fetch(
            """SELECT DISTINCT ON (recipient_id) recipient_id, h FROM (
                   SELECT recipient_id, extract(hour FROM at AT TIME ZONE 'UTC')::int AS h,
                          count(*) AS n
                   FROM scheduler.engagement
                   WHERE tenant = $1 AND recipient_id = ANY($2::text[]) AND at >= $3
                   GROUP BY recipient_id, h) x
               ORDER BY recipient_id, n DESC, h""",
            tenant,
            list(ids),
            since,
        )
        return {r["recipient_id"]: r["h"] for r in rows}

    async def prune(self, before: datetime) -> None:
        async with self._db.pool.acquire() as conn, conn.transaction():
            await conn.execute("DELETE FROM scheduler.engagement WHERE at < $1", before)
            await conn.execute("DELETE FROM scheduler.released WHERE released_at < $1", before)


async def prune_loop(
    store: EngagementStore, clock: Callable[[], datetime], keep_days: int, every_s: float
) -> None:
    while True:
        await store.prune(clock() - timedelta(days=keep_days))
        await asyncio.sleep(every_s)
