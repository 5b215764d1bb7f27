"""Postgres row writes per table during a run (issue 17 item 3): `pg_stat_user_tables`
deltas (n_tup_ins + n_tup_upd + n_tup_del, temporary tables included) of the bench's
own database. Backends report their counters at most once a second, and an idle one
after up to ten seconds, so `snapshot` after a run waits for them first."""

import asyncio
from collections.abc import Mapping

import asyncpg

_FLUSH_S = 11.0

Writes = dict[str, tuple[int, int, int]]


async def snapshot(url: str, *, settle: bool = False) -> Writes:
    if settle:
        await asyncio.sleep(_FLUSH_S)
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            """SELECT CASE WHEN schemaname LIKE 'pg_temp%' THEN 'temp' ELSE schemaname END
                          || '.' || regexp_replace(relname, '_p[0-9]{6}$', '') AS t,
                      sum(n_tup_ins)::bigint AS i, sum(n_tup_upd)::bigint AS u,
                      sum(n_tup_del)::bigint AS d
               FROM pg_stat_user_tables GROUP BY 1"""
        )
    finally:
        await conn.close()
    return {r["t"]: (r["i"], r["u"], r["d"]) for r in rows}


def per_recipient(before: Mapping[str, tuple[int, int, int]], after: Writes, n: int) -> dict:
    """Rows inserted, updated and deleted per recipient, by table (those that moved)."""
    out: dict[str, dict[str, float]] = {}
    for table, (i, u, d) in sorted(after.items()):
        i0, u0, d0 = before.get(table, (0, 0, 0))
        moved = {"ins": i - i0, "upd": u - u0, "del": d - d0}
        if any(moved.values()):
            out[table] = {k: round(v / n, 3) for k, v in moved.items() if v}
    total = sum(sum(v.values()) for v in out.values())
    return {"tables": out, "rows_per_recipient": round(total, 3)}
