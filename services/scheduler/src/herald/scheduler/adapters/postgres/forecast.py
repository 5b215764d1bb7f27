"""The dry run's reads about lanes and queued sends (read only, in the audience snapshot).

Each query is one small function, and none reads more of `scheduler.timer_batches` than
(tenant, lane, due_at, priority, category, the waiting recipient ids and their number).
"""

from collections.abc import Sequence
from datetime import datetime

import asyncpg

from herald.scheduler.domain.forecast_lanes import Backlog
from herald.scheduler.domain.outlook import QueuedSend
from herald.scheduler.domain.pacing import Bucket

BACKLOG_GROUPS = 100_000
"""At most this many (lane, priority, due time) groups of a backlog are read, earliest
first: sends due further out cannot hold up a dry run's sends in practice."""


async def lane_buckets(conn: asyncpg.Connection, tenant: str, lanes: Sequence[str]) -> list[Bucket]:
    found = await conn.fetch(
        """SELECT tenant, lane, rate, tokens, refilled_at FROM scheduler.lanes
           WHERE tenant = $1 AND lane = ANY($2::text[])""",
        tenant,
        list(lanes),
    )
    return [Bucket(r["tenant"], r["lane"], r["rate"], r["tokens"], r["refilled_at"]) for r in found]


async def lane_backlog(
    conn: asyncpg.Connection, tenant: str, lanes: Sequence[str], now: datetime
) -> list[Backlog]:
    """Sends waiting in the lanes, grouped by priority and due time (overdue ones: now)."""
    found = await conn.fetch(
        """SELECT lane, priority, greatest(due_at, $3) AS due, sum(size - taken)::int AS n
           FROM scheduler.timer_batches WHERE tenant = $1 AND lane = ANY($2::text[])
           GROUP BY lane, priority, greatest(due_at, $3)
           ORDER BY due LIMIT $4""",
        tenant,
        list(lanes),
        now,
        BACKLOG_GROUPS,
    )
    return [Backlog(r["lane"], r["priority"], r["due"], r["n"]) for r in found]


async def queued_sends(
    conn: asyncpg.Connection, tenant: str, ids: Sequence[str]
) -> dict[str, list[QueuedSend]]:
    """The sends waiting for these recipients (any request's), by recipient id."""
    found = await conn.fetch(
        """SELECT u.recipient_id, t.due_at, t.lane, t.category
           FROM scheduler.timer_batches t
           CROSS JOIN LATERAL unnest(t.recipient_ids[t.taken + 1:]) AS u(recipient_id)
           WHERE t.tenant = $1 AND t.recipient_ids && $2::text[]
             AND u.recipient_id = ANY($2::text[])""",
        tenant,
        list(ids),
    )
    out: dict[str, list[QueuedSend]] = {}
    for r in found:
        out.setdefault(r["recipient_id"], []).append(
            QueuedSend(r["due_at"], r["lane"], r["category"])
        )
    return out
