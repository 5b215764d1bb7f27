"""Engagement in `scheduler.engagement`, kept for deliveries found in `scheduler.released`
(which recipient a released delivery id went to)."""

from collections.abc import Sequence
from datetime import datetime

from herald.contracts import Engagement
from herald.runtime.db import Database
from herald.scheduler.adapters.postgres.connection import transaction


class PostgresEngagement:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def record(self, events: Sequence[Engagement]) -> None:
        if not events:
            return
        await self._db.pool.execute(
            """INSERT INTO scheduler.engagement (event_id, tenant, recipient_id, at)
               SELECT x.event_id, r.tenant, r.recipient_id, x.at
               FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[])
                 AS x(event_id, did, at, tenant)
               JOIN scheduler.released r ON r.delivery_id = x.did
                 AND (x.tenant IS NULL OR x.tenant = r.tenant)
               ON CONFLICT (event_id) DO NOTHING""",
            [e.event_id for e in events],
            [e.delivery_id for e in events],
            [e.at for e in events],
            [e.tenant for e in events],
        )

    async def best_hours(self, tenant: str, ids: Sequence[str], since: datetime) -> dict[str, int]:
        found = await self._db.pool.fetch(
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
        return {r["recipient_id"]: r["h"] for r in found}

    async def prune(self, before: datetime) -> None:
        async with transaction(self._db) as conn:
            await conn.execute("DELETE FROM scheduler.engagement WHERE at < $1", before)
            await conn.execute("DELETE FROM scheduler.released WHERE released_at < $1", before)
