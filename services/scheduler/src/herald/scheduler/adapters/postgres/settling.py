"""Writing a release's decisions in its claim's transaction (before the commit)."""

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import datetime

import asyncpg

from herald.scheduler.adapters.postgres.batches import advance, insert_timers
from herald.scheduler.domain.model import PlanCounts, PlanKey, Timer
from herald.scheduler.domain.settlement import Settlement

_RELEASED = """
INSERT INTO scheduler.released_batches (tenant, released_at, delivery_ids, recipient_ids)
VALUES ($1, $2, $3, $4)
"""
"""Who got the sends released: a row per tenant."""

_CAPPED = """
INSERT INTO scheduler.capped_sends
    (delivery_id, tenant, recipient_id, released_at, cap_channel, cap_day)
SELECT x.d, x.t, x.r, $1, x.c, x.cd
FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::date[]) AS x(d, t, r, c, cd)
ON CONFLICT (delivery_id) DO NOTHING
"""
"""The cap each capped send is counted on (its outcome may move it: `recount`)."""


async def write_settlement(
    conn: asyncpg.Connection,
    s: Settlement,
    at: datetime,
    taken: dict[int, tuple[int, int]],
    timers: Mapping[str, Timer],
) -> None:
    """`taken`: the claimed rows (row id -> ids taken, ids that were waiting), `timers`:
    the timers taken from them. Every taken id leaves its row; a deferred one comes back
    as a row of its own (with others deferred alike), and so would one left undecided."""
    await advance(conn, taken)
    back = [
        dataclasses.replace(timers[d.delivery_id], due_at=d.due_at, deferred=d.deferred)
        for d in s.deferrals
    ]
    decided = {*s.done, *(d.delivery_id for d in s.deferrals)}
    back += [t for did, t in timers.items() if did not in decided]
    await insert_timers(conn, back)
    await _remember(conn, s, at)
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


async def _remember(conn: asyncpg.Connection, s: Settlement, at: datetime) -> None:
    tenants: dict[str, tuple[list[str], list[str]]] = {}
    for d in s.released:
        ids = tenants.setdefault(d.timer.tenant, ([], []))
        ids[0].append(d.delivery_id)
        ids[1].append(d.timer.recipient_id)
    if tenants:
        await conn.executemany(_RELEASED, [(t, at, *ids) for t, ids in tenants.items()])
    capped = [d for d in s.released if d.delivery_id in s.counted]
    if capped:
        await conn.execute(
            _CAPPED,
            at,
            [d.delivery_id for d in capped],
            [d.timer.tenant for d in capped],
            [d.timer.recipient_id for d in capped],
            [s.counted[d.delivery_id][0] for d in capped],
            [s.counted[d.delivery_id][1] for d in capped],
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
