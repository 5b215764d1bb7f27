"""Cap usage rows locked for a write: a release's and a recount's, in one order."""

from collections.abc import Sequence

import asyncpg

from herald.scheduler.adapters.postgres.rows import usage_of
from herald.scheduler.domain.settlement import Usages

_LOCK = """SELECT c.tenant, c.recipient_id, c.scope, c.day, c.sent, c.last_at
FROM scheduler.caps c
JOIN unnest($1::text[], $2::text[]) AS k(t, r) ON c.tenant = k.t AND c.recipient_id = k.r
ORDER BY c.tenant, c.recipient_id, c.scope
FOR UPDATE OF c"""


async def lock_caps(
    conn: asyncpg.Connection, tenants: Sequence[str], recipient_ids: Sequence[str]
) -> Usages:
    """The cap usage of these recipients (`tenants[i]`, `recipient_ids[i]`), their rows
    locked in key order, so that releases and recounts take turns and never deadlock."""
    return usage_of(await conn.fetch(_LOCK, list(tenants), list(recipient_ids)))
