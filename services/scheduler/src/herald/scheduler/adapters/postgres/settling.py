"""Writing a release's decisions in its claim's transaction (before the commit)."""

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import datetime

import asyncpg

from herald.scheduler.adapters.postgres.batches import advance, insert_timers
from herald.scheduler.domain.model import PlanCounts, PlanKey, Timer
from herald.scheduler.domain.settlement import Settlement

_RELEASED = """
INSERT INTO scheduler.released_batches
    (tenant, released_at, delivery_ids, recipient_ids, cap_channels, cap_days)
VALUES ($1, $2, $3, $4, $5, $6)
"""
"""Who got the sends released, and the cap each is counted on: a row per tenant."""


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
    tenants: dict[str, list[tuple[str, str, str | None, object]]] = {}
    for d in s.released:
        counted = s.counted.get(d.delivery_id)
        tenants.setdefault(d.timer.tenant, []).append(
            (
                d.delivery_id,
                d.timer.recipient_id,
                counted[0] if counted else None,
                counted[1] if counted else None,
            )
        )
    if tenants:
        await conn.executemany(
            _RELEASED,
            [(t, at, *(list(c) for c in zip(*rows, strict=True))) for t, rows in tenants.items()],
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
