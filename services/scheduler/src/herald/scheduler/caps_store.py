"""Frequency-cap usage in Postgres, locked per recipient while a release decides.

Every capped recipient has a `*` row; a release inserts it if missing and then locks all
of the recipient's rows in (tenant, recipient_id, scope) order, so replicas deciding for
the same recipient take turns (and never deadlock), and each sees the other's sends.
"""

from collections.abc import Iterable, Mapping

import asyncpg

from herald.scheduler.domain.caps import ALL, Usage

Key = tuple[str, str]


async def lock_usage(conn: asyncpg.Connection, keys: Iterable[Key]) -> dict[Key, dict[str, Usage]]:
    ordered = sorted(set(keys))
    if not ordered:
        return {}
    tenants, ids = [k[0] for k in ordered], [k[1] for k in ordered]
    await conn.execute(
        """INSERT INTO scheduler.caps (tenant, recipient_id, scope)
           SELECT t, r, $3 FROM unnest($1::text[], $2::text[]) AS x(t, r)
           ON CONFLICT DO NOTHING""",
        tenants,
        ids,
        ALL,
    )
    rows = await conn.fetch(
        """SELECT c.tenant, c.recipient_id, c.scope, c.day, c.sent, c.last_at
           FROM scheduler.caps c
           JOIN unnest($1::text[], $2::text[]) AS k(t, r)
             ON c.tenant = k.t AND c.recipient_id = k.r
           ORDER BY c.tenant, c.recipient_id, c.scope
           FOR UPDATE OF c""",
        tenants,
        ids,
    )
    usage: dict[Key, dict[str, Usage]] = {k: {} for k in ordered}
    for r in rows:
        usage[(r["tenant"], r["recipient_id"])][r["scope"]] = Usage(
            r["day"], r["sent"], r["last_at"]
        )
    return usage


async def save_usage(conn: asyncpg.Connection, changed: Mapping[Key, Mapping[str, Usage]]) -> None:
    rows = [
        (k[0], k[1], s, u.day, u.sent, u.last_at) for k, m in changed.items() for s, u in m.items()
    ]
    if not rows:
        return
    await conn.executemany(
        """INSERT INTO scheduler.caps (tenant, recipient_id, scope, day, sent, last_at)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (tenant, recipient_id, scope) DO UPDATE
             SET day = EXCLUDED.day, sent = EXCLUDED.sent, last_at = EXCLUDED.last_at""",
        rows,
    )
