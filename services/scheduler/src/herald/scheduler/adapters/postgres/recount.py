"""Moving cap usage to the channel an outcome names (`recounting`), in one transaction.

The released capped sends are rows of `scheduler.capped_sends` (a row per capped send:
the channel and day its usage is counted on). Lock order is a release's: the
recipients' cap rows (key order), then their capped_sends rows (delivery id order). A
release inserts those rows only for new delivery ids, so the two never wait on each
other in a cycle.
"""

from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager

from herald.runtime.db import Database
from herald.scheduler.adapters.postgres.caps import lock_caps
from herald.scheduler.adapters.postgres.connection import OnConnection, working
from herald.scheduler.domain.recount import Counted
from herald.scheduler.domain.settlement import Usages

_ELSEWHERE = """
SELECT r.delivery_id, r.tenant, r.recipient_id, r.cap_channel, r.cap_day, r.released_at
FROM scheduler.capped_sends r
JOIN unnest($1::text[], $2::text[]) AS x(did, used) ON r.delivery_id = x.did
WHERE r.cap_channel IS NOT NULL AND r.cap_channel <> x.used
ORDER BY r.delivery_id
"""


class PostgresRecount:
    def __init__(self, db: Database) -> None:
        self._db = db

    def recount(self) -> AbstractAsyncContextManager["PostgresRecountWork"]:
        return working(self._db, PostgresRecountWork)


class PostgresRecountWork(OnConnection):
    async def lock(self, used: Mapping[str, str]) -> tuple[list[Counted], Usages]:
        ids, channels = list(used), [used[d] for d in used]
        first = await self._conn.fetch(_ELSEWHERE, ids, channels)
        keys = sorted({(r["tenant"], r["recipient_id"]) for r in first})
        if not keys:
            return [], {}
        usage = await lock_caps(self._conn, [k[0] for k in keys], [k[1] for k in keys])
        # again under lock: a concurrent recount of the same outcome may have moved it
        rows = await self._conn.fetch(_ELSEWHERE + " FOR UPDATE OF r", ids, channels)
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
        return sends, usage

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
        await self._conn.execute(
            """UPDATE scheduler.capped_sends r SET cap_channel = x.used
               FROM unnest($1::text[], $2::text[]) AS x(did, used)
               WHERE r.delivery_id = x.did""",
            list(counted_on),
            [counted_on[d] for d in counted_on],
        )
