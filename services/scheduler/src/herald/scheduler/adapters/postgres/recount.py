"""Moving cap usage to the channel an outcome names (`recounting`), in one transaction.

Lock order is a release's: the recipients' cap rows (key order), then their released
rows (`scheduler.released_batches`, row id order). A release only inserts released
rows, so the two never wait on each other in a cycle.
"""

import contextlib
from collections.abc import AsyncIterator, Mapping

import asyncpg

from herald.runtime.db import Database
from herald.scheduler.adapters.postgres.connection import transaction
from herald.scheduler.adapters.postgres.rows import usage_of
from herald.scheduler.domain.recount import Counted
from herald.scheduler.domain.settlement import Usages

_ELSEWHERE = """
SELECT r.id, u.o, u.did AS delivery_id, r.tenant, u.rid AS recipient_id,
       u.ch AS cap_channel, u.cd AS cap_day, r.released_at
FROM scheduler.released_batches r
CROSS JOIN LATERAL unnest(r.delivery_ids, r.recipient_ids, r.cap_channels, r.cap_days)
    WITH ORDINALITY AS u(did, rid, ch, cd, o)
JOIN unnest($1::text[], $2::text[]) AS x(did, used) ON u.did = x.did
WHERE r.delivery_ids && $1::text[] AND u.ch IS NOT NULL AND u.ch <> x.used
ORDER BY r.id, u.o
"""
"""The released capped sends counted on another channel than the one used, with where
each sits (row id, position): one released row holds a release's sends of a tenant."""

_MOVE = """
UPDATE scheduler.released_batches r SET cap_channels = (
    SELECT array_agg(coalesce(m.used, c.ch) ORDER BY c.o)
    FROM unnest(r.cap_channels) WITH ORDINALITY AS c(ch, o)
    LEFT JOIN unnest($1::bigint[], $2::bigint[], $3::text[]) AS m(id, o, used)
      ON m.id = r.id AND m.o = c.o)
WHERE r.id = ANY($1::bigint[])
"""


class PostgresRecount:
    def __init__(self, db: Database) -> None:
        self._db = db

    @contextlib.asynccontextmanager
    async def recount(self) -> AsyncIterator["PostgresRecountWork"]:
        async with transaction(self._db) as conn:
            yield PostgresRecountWork(conn)


class PostgresRecountWork:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn
        self._at: dict[str, tuple[int, int]] = {}
        """Delivery id -> (released row, position in its arrays), of the sends locked."""

    async def lock(self, used: Mapping[str, str]) -> tuple[list[Counted], Usages]:
        ids, channels = list(used), [used[d] for d in used]
        first = await self._conn.fetch(_ELSEWHERE, ids, channels)
        keys = sorted({(r["tenant"], r["recipient_id"]) for r in first})
        if not keys:
            return [], {}
        found = await self._conn.fetch(
            """SELECT c.tenant, c.recipient_id, c.scope, c.day, c.sent, c.last_at
               FROM scheduler.caps c
               JOIN unnest($1::text[], $2::text[]) AS k(t, r)
                 ON c.tenant = k.t AND c.recipient_id = k.r
               ORDER BY c.tenant, c.recipient_id, c.scope
               FOR UPDATE OF c""",
            [k[0] for k in keys],
            [k[1] for k in keys],
        )
        # again under lock: a concurrent recount of the same outcome may have moved it
        rows = await self._conn.fetch(_ELSEWHERE + " FOR UPDATE OF r", ids, channels)
        self._at = {r["delivery_id"]: (r["id"], r["o"]) for r in rows}
        sends = [
            Counted(
                r["delivery_id"],
                r["tenant"],
                r["recipient_id"],
                r["cap_channel"],
                r["cap_day"],
                r["released_at"],
            )
            for r in rows
        ]
        return sends, usage_of(found)

    async def write(self, usage: Usages, counted_on: Mapping[str, str]) -> None:
        rows = [
            (t, r, scope, u.day, u.sent, u.last_at)
            for (t, r), m in usage.items()
            for scope, u in m.items()
        ]
        if rows:
            cols = list(zip(*rows, strict=True))
            await self._conn.execute(
                """INSERT INTO scheduler.caps (tenant, recipient_id, scope, day, sent, last_at)
                   SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::date[],
                                        $5::int[], $6::timestamptz[])
                   ON CONFLICT (tenant, recipient_id, scope) DO UPDATE
                     SET day = EXCLUDED.day, sent = EXCLUDED.sent, last_at = EXCLUDED.last_at""",
                *(list(c) for c in cols),
            )
        at = [(self._at[d], used) for d, used in counted_on.items() if d in self._at]
        await self._conn.execute(
            _MOVE,
            [a[0][0] for a in at],
            [a[0][1] for a in at],
            [a[1] for a in at],
        )
