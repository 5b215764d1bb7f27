"""Writing a release's decisions in its claim's transaction (before the commit)."""

from collections.abc import Sequence
from datetime import datetime

import asyncpg

from herald.scheduler.domain.model import PlanCounts, PlanKey
from herald.scheduler.domain.settlement import Settlement

_FINISH = """
WITH gone AS (
    DELETE FROM scheduler.timers WHERE delivery_id = ANY($1::text[])
    RETURNING delivery_id, tenant, recipient_id)
INSERT INTO scheduler.released
    (delivery_id, tenant, recipient_id, released_at, cap_channel, cap_day)
SELECT g.delivery_id, g.tenant, g.recipient_id, $2, x.c, x.cd
FROM gone g JOIN unnest($3::text[], $4::text[], $5::date[]) AS x(d, c, cd)
  ON x.d = g.delivery_id
ON CONFLICT (delivery_id) DO NOTHING
"""
"""One statement: the finished timers go, and those released are remembered (who got
them, and the cap each is counted on) from the rows deleted, not sent back from here."""


async def write_settlement(conn: asyncpg.Connection, s: Settlement, at: datetime) -> None:
    if done := s.done:
        counted = [s.counted.get(d.delivery_id) for d in s.released]
        await conn.execute(
            _FINISH,
            done,
            at,
            [d.delivery_id for d in s.released],
            [c[0] if c else None for c in counted],
            [c[1] if c else None for c in counted],
        )
    if s.deferrals:
        await conn.execute(
            """UPDATE scheduler.timers t SET due_at = x.due, deferred = string_to_array(x.why, ',')
               FROM unnest($1::text[], $2::timestamptz[], $3::text[]) AS x(id, due, why)
               WHERE t.delivery_id = x.id""",
            [d.delivery_id for d in s.deferrals],
            [d.due_at for d in s.deferrals],
            [",".join(d.deferred) for d in s.deferrals],
        )
    usage = [
        (t, r, scope, u.day, u.sent, u.last_at)
        for (t, r), m in s.usage.items()
        for scope, u in m.items()
    ]
    if usage:  # one statement, not one per row: a capped fan-out changes a row per send
        await conn.execute(
            """INSERT INTO scheduler.caps (tenant, recipient_id, scope, day, sent, last_at)
               SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::date[],
                                    $5::int[], $6::timestamptz[])
               ON CONFLICT (tenant, recipient_id, scope) DO UPDATE
                 SET day = EXCLUDED.day, sent = EXCLUDED.sent, last_at = EXCLUDED.last_at""",
            *(list(c) for c in zip(*usage, strict=True)),
        )
    if s.lanes:
        await conn.execute(
            """UPDATE scheduler.lanes l SET tokens = x.tokens, refilled_at = $4
               FROM unnest($1::text[], $2::text[], $3::float8[]) AS x(tenant, lane, tokens)
               WHERE l.tenant = x.tenant AND l.lane = x.lane""",
            [b.tenant for b in s.lanes],
            [b.lane for b in s.lanes],
            [b.tokens for b in s.lanes],
            at,
        )


async def mark_dispatching(conn: asyncpg.Connection, keys: Sequence[PlanKey]) -> list[PlanCounts]:
    """Plan rows are locked in key order, so two replicas cannot deadlock on them."""
    ordered = sorted(set(keys))
    found = await conn.fetch(
        """WITH locked AS (
               SELECT p.tenant, p.request_id FROM scheduler.plans p
               JOIN unnest($1::text[], $2::text[]) AS k(tenant, request_id)
                 ON p.tenant = k.tenant AND p.request_id = k.request_id
               WHERE p.dispatching_at IS NULL
               ORDER BY p.tenant, p.request_id
               FOR UPDATE OF p)
           UPDATE scheduler.plans p SET dispatching_at = now()
           FROM locked l
           WHERE p.tenant = l.tenant AND p.request_id = l.request_id
             AND p.dispatching_at IS NULL
           RETURNING p.tenant, p.request_id, p.recipients, p.suppressed""",
        [k[0] for k in ordered],
        [k[1] for k in ordered],
    )
    return [
        PlanCounts(r["tenant"], r["request_id"], r["recipients"], r["suppressed"]) for r in found
    ]
