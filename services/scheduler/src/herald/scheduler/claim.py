"""Claiming due timers in one transaction: paced lanes first, then expired timers."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from herald.contracts import Recipient
from herald.scheduler.directory import COLUMNS
from herald.scheduler.domain.pacing import available

_R = ", ".join("r." + c for c in COLUMNS.split(", "))
_T = """t.delivery_id, t.tenant AS t_tenant, t.request_id, t.recipient_id AS t_recipient_id,
        t.due_at, t.expires_at, t.priority, t.category, t.lane, t.deferred"""

_DUE = f"""
SELECT {_T}, {_R}
FROM unnest($1::text[], $2::text[], $3::int[]) AS b(tenant, lane, n)
CROSS JOIN LATERAL (
    SELECT * FROM scheduler.timers t
    WHERE t.tenant = b.tenant AND t.lane = b.lane AND t.ready AND t.due_at <= $4
    ORDER BY t.priority DESC, t.due_at
    LIMIT b.n FOR UPDATE SKIP LOCKED) t
LEFT JOIN scheduler.recipients r ON r.tenant = t.tenant AND r.recipient_id = t.recipient_id
"""  # noqa: S608 - constant column lists

_EXPIRED = f"""
SELECT {_T}, {_R}
FROM (SELECT * FROM scheduler.timers
      WHERE ready AND expires_at <= $1 ORDER BY expires_at LIMIT $2
      FOR UPDATE SKIP LOCKED) t
LEFT JOIN scheduler.recipients r ON r.tenant = t.tenant AND r.recipient_id = t.recipient_id
"""  # noqa: S608


@dataclass(frozen=True, slots=True)
class Lane:
    tenant: str
    lane: str
    rate: float | None
    budget: int
    tokens: float


@dataclass(frozen=True, slots=True)
class Due:
    delivery_id: str
    tenant: str
    request_id: str
    recipient_id: str
    due_at: datetime
    expires_at: datetime | None
    priority: int
    category: str
    lane: str
    deferred: tuple[str, ...]
    recipient: Recipient | None


def _due(row: Any) -> Due:
    known = row["recipient_id"] is not None
    return Due(
        row["delivery_id"],
        row["t_tenant"],
        row["request_id"],
        row["t_recipient_id"],
        row["due_at"],
        row["expires_at"],
        row["priority"],
        row["category"],
        row["lane"],
        tuple(row["deferred"]),
        Recipient.model_validate(dict(row)) if known else None,
    )


async def lock_lanes(conn: asyncpg.Connection, now: datetime, limit: int) -> list[Lane]:
    """Unpaced lanes, and the paced lanes no other replica holds, with their budgets."""
    free = await conn.fetch("SELECT tenant, lane FROM scheduler.lanes WHERE rate IS NULL")
    paced = await conn.fetch(
        """SELECT tenant, lane, rate, tokens, refilled_at FROM scheduler.lanes
           WHERE rate IS NOT NULL ORDER BY tenant, lane FOR UPDATE SKIP LOCKED"""
    )
    lanes = [Lane(r["tenant"], r["lane"], None, limit, 0.0) for r in free]
    for r in paced:
        tokens = available(r["rate"], r["tokens"], r["refilled_at"], now)
        lanes.append(Lane(r["tenant"], r["lane"], r["rate"], min(limit, int(tokens)), tokens))
    return lanes


async def claim_due(
    conn: asyncpg.Connection, lanes: Sequence[Lane], now: datetime, limit: int
) -> list[Due]:
    open_lanes = [ln for ln in lanes if ln.budget > 0]
    rows = list(await conn.fetch(_EXPIRED, now, limit))
    if open_lanes:
        rows += await conn.fetch(
            _DUE,
            [ln.tenant for ln in open_lanes],
            [ln.lane for ln in open_lanes],
            [ln.budget for ln in open_lanes],
            now,
        )
    return list({r["delivery_id"]: _due(r) for r in rows}.values())


@dataclass(frozen=True, slots=True)
class PlanCounts:
    tenant: str
    request_id: str
    recipients: int
    suppressed: int


class Claim:
    """Timers claimed in one open transaction; leaving the block commits the release."""

    def __init__(self, conn: asyncpg.Connection, lanes: list[Lane], due: list[Due]) -> None:
        self.conn = conn
        self.lanes = lanes
        self.due = due

    async def start_dispatching(self, keys: Iterable[tuple[str, str]]) -> list[PlanCounts]:
        """Mark plans dispatching; return those that were not yet (announce them once).

        Plan rows are locked in key order, so two replicas cannot deadlock on them."""
        keys = sorted(keys)
        rows = await self.conn.fetch(
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
            [k[0] for k in keys],
            [k[1] for k in keys],
        )
        return [
            PlanCounts(r["tenant"], r["request_id"], r["recipients"], r["suppressed"]) for r in rows
        ]
