"""When each request began: the month its outcomes are stored in (tracker migration 007).

`requests.created_at` is set once, by whatever of a request tracker sees first (its
`scheduled` status, or here its earliest outcome in a batch), and never changes while the
request is kept, so it is read once per request and replica and remembered.
"""

from collections.abc import Mapping
from datetime import datetime

from herald.runtime.db import Database
from herald.tracker.ports import Key

_BEGUN = """SELECT r.tenant, r.request_id, r.created_at FROM tracker.requests r
             JOIN unnest($1::text[], $2::text[]) AS k(tenant, request_id)
               ON r.tenant = k.tenant AND r.request_id = k.request_id"""


class Beginnings:
    def __init__(self, db: Database, size: int = 10_000) -> None:
        self._db, self._size = db, size
        self._begun: dict[Key, datetime] = {}
        """The `size` requests used most recently."""

    async def of(self, firsts: Mapping[Key, datetime]) -> dict[Key, datetime]:
        """When each request began: `requests.created_at`, set once by whatever came first
        (for a request first seen here, the time given: its earliest outcome's). Each
        statement on its own, outside the batch's transaction: a row another replica
        created meanwhile is read by the next statement's snapshot."""
        begun = {k: self._begun[k] for k in firsts if k in self._begun}
        unknown = [k for k in firsts if k not in begun]
        if unknown:
            found = await self._db.pool.fetch(
                _BEGUN, [k[0] for k in unknown], [k[1] for k in unknown]
            )
            begun |= {(r["tenant"], r["request_id"]): r["created_at"] for r in found}
        missing = [k for k in firsts if k not in begun]
        if missing:
            await self._db.pool.execute(
                """INSERT INTO tracker.requests (tenant, request_id, created_at)
                   SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[])
                   ON CONFLICT (tenant, request_id) DO NOTHING""",
                [k[0] for k in missing],
                [k[1] for k in missing],
                [firsts[k] for k in missing],
            )
            again = await self._db.pool.fetch(
                _BEGUN, [k[0] for k in missing], [k[1] for k in missing]
            )
            begun |= {(r["tenant"], r["request_id"]): r["created_at"] for r in again}
        self._remember(begun)
        return begun

    def _remember(self, begun: Mapping[Key, datetime]) -> None:
        for key in begun:
            self._begun.pop(key, None)  # most recently used last
        self._begun.update(begun)
        while len(self._begun) > self._size:
            del self._begun[next(iter(self._begun))]
