"""Engagement in `scheduler.engagement` (once per tenant and event id), kept for
deliveries found in `scheduler.released_batches` (which recipient a released delivery id
went to); per recipient, its evidence per local hour for send-time optimisation."""

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from herald.contracts import Engagement
from herald.runtime.db import Database
from herald.scheduler.adapters.postgres.connection import transaction
from herald.scheduler.domain.besthour import HourEvidence

# The weight is domain.besthour.weight: 0.5 ** (age / half life), events ahead weigh 1.
_EVIDENCE = """
SELECT e.recipient_id, extract(hour FROM e.at AT TIME ZONE z.zone)::int AS h,
       sum(power(0.5, greatest(extract(epoch FROM $4::timestamptz - e.at), 0) / $5::float8))
         AS w,
       count(*)::int AS n
FROM unnest($2::text[], $3::text[]) AS z(rid, zone)
JOIN scheduler.engagement e ON e.tenant = $1 AND e.recipient_id = z.rid AND e.at >= $6
GROUP BY 1, 2
"""


class PostgresEngagement:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._zones: frozenset[str] | None = None

    async def record(self, events: Sequence[Engagement]) -> None:
        if not events:
            return
        await self._db.pool.execute(
            """INSERT INTO scheduler.engagement (event_id, tenant, recipient_id, at)
               SELECT x.event_id, r.tenant, u.rid, x.at
               FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[])
                 AS x(event_id, did, at, tenant)
               JOIN scheduler.released_batches r ON r.delivery_ids @> ARRAY[x.did]
                 AND (x.tenant IS NULL OR x.tenant = r.tenant)
               CROSS JOIN LATERAL unnest(r.delivery_ids, r.recipient_ids) AS u(did, rid)
               WHERE u.did = x.did
               ON CONFLICT (tenant, event_id) DO NOTHING""",
            [e.event_id for e in events],
            [e.delivery_id for e in events],
            [e.at for e in events],
            [e.tenant for e in events],
        )

    # deliberate declaration: the port's signature (ports.EngagementLog.hour_evidence)
    async def hour_evidence(
        self,
        tenant: str,
        zones: Mapping[str, str],
        since: datetime,
        now: datetime,
        half_life: timedelta,
    ) -> dict[str, list[HourEvidence]]:
        known = await self._known_zones()
        ids = list(zones)
        names = [zones[r] if zones[r] in known else "UTC" for r in ids]
        found = await self._db.pool.fetch(
            _EVIDENCE, tenant, ids, names, now, half_life.total_seconds(), since
        )
        out: dict[str, list[HourEvidence]] = {}
        for r in found:
            out.setdefault(r["recipient_id"], []).append(HourEvidence(r["h"], r["w"], r["n"]))
        return out

    async def _known_zones(self) -> frozenset[str]:
        """The zone names Postgres knows (read once): a name only Python knows is read as
        UTC rather than failing the whole statement."""
        if self._zones is None:
            rows = await self._db.pool.fetch("SELECT name FROM pg_timezone_names")
            self._zones = frozenset(r["name"] for r in rows)
        return self._zones

    async def prune(self, before: datetime, tenants: Mapping[str, datetime] | None = None) -> None:
        own = dict(tenants or {})
        latest = max([before, *own.values()])
        args = (before, list(own), list(own.values()), latest)
        async with transaction(self._db) as conn:
            for table, column in (
                ("engagement", "at"),
                ("released_batches", "released_at"),
                ("capped_sends", "released_at"),
            ):
                await conn.execute(
                    f"""DELETE FROM scheduler.{table} e
                        WHERE e.{column} < $4 AND e.{column} < coalesce(
                          (SELECT x.b FROM unnest($2::text[], $3::timestamptz[]) AS x(t, b)
                           WHERE x.t = e.tenant), $1)""",  # noqa: S608 - constant names
                    *args,
                )
