"""One release in one transaction: paced lanes first, then due and expired timers, then
the cap usage of their recipients; `settling` writes what was decided."""

from collections.abc import Sequence
from datetime import datetime

from herald.scheduler.adapters.postgres.caps import lock_caps
from herald.scheduler.adapters.postgres.connection import OnConnection
from herald.scheduler.adapters.postgres.rows import RECIPIENT, TIMER, due_of
from herald.scheduler.adapters.postgres.settling import mark_dispatching, write_settlement
from herald.scheduler.domain.caps import ALL, Usage
from herald.scheduler.domain.model import Due, PlanCounts, PlanKey, RecipientKey
from herald.scheduler.domain.pacing import CRITICAL_PREFIX, Bucket, Budget
from herald.scheduler.domain.settlement import Settlement

_R = ", ".join("r." + c for c in RECIPIENT.split(", "))

_DUE = f"""
SELECT {TIMER}, {_R}
FROM unnest($1::text[], $2::text[], $3::int[]) AS b(tenant, lane, n)
CROSS JOIN LATERAL (
    SELECT * FROM scheduler.timers t
    WHERE t.tenant = b.tenant AND t.lane = b.lane AND t.ready AND t.due_at <= $4
    ORDER BY t.priority DESC, t.due_at
    LIMIT b.n FOR UPDATE SKIP LOCKED) t
LEFT JOIN scheduler.recipients r ON r.tenant = t.tenant AND r.recipient_id = t.recipient_id
"""  # noqa: S608 - constant column lists

_EXPIRED = f"""
SELECT {TIMER}, {_R}
FROM (SELECT * FROM scheduler.timers
      WHERE ready AND expires_at <= $1 ORDER BY expires_at LIMIT $2
      FOR UPDATE SKIP LOCKED) t
LEFT JOIN scheduler.recipients r ON r.tenant = t.tenant AND r.recipient_id = t.recipient_id
"""  # noqa: S608


_KIND = "($1::bool IS NULL OR starts_with(lane, $2::text) = $1)"
"""Critical lanes only ($1 true), the others only (false), or every lane (null)."""
_FREE = f"SELECT tenant, lane, refilled_at FROM scheduler.lanes WHERE rate IS NULL AND {_KIND}"  # noqa: S608
_PACED = f"""SELECT tenant, lane, rate, tokens, refilled_at FROM scheduler.lanes
WHERE rate IS NOT NULL AND {_KIND} ORDER BY tenant, lane FOR UPDATE SKIP LOCKED"""  # noqa: S608


class PostgresClaim(OnConnection):
    async def lock_lanes(self, critical: bool | None = None) -> list[Bucket]:
        """`critical` True: the critical lanes only; False: the others; None: all."""
        free = await self._conn.fetch(
            _FREE,
            critical,
            CRITICAL_PREFIX,
        )
        paced = await self._conn.fetch(
            _PACED,
            critical,
            CRITICAL_PREFIX,
        )
        return [Bucket(r["tenant"], r["lane"], None, 0.0, r["refilled_at"]) for r in free] + [
            Bucket(r["tenant"], r["lane"], r["rate"], r["tokens"], r["refilled_at"]) for r in paced
        ]

    async def take_due(self, budgets: Sequence[Budget], now: datetime, limit: int) -> list[Due]:
        found = list(await self._conn.fetch(_EXPIRED, now, limit))
        open_lanes = [b for b in budgets if b.sends > 0]
        if open_lanes:
            found += await self._conn.fetch(
                _DUE,
                [b.tenant for b in open_lanes],
                [b.lane for b in open_lanes],
                [b.sends for b in open_lanes],
                now,
            )
        return list({r["delivery_id"]: due_of(r) for r in found}.values())

    async def lock_usage(
        self, keys: Sequence[RecipientKey]
    ) -> dict[RecipientKey, dict[str, Usage]]:
        """Every capped recipient has a `*` row, inserted if missing, so that locking the
        recipient's rows in key order makes replicas take turns (and never deadlock)."""
        ordered = sorted(set(keys))
        if not ordered:
            return {}
        tenants, ids = [k[0] for k in ordered], [k[1] for k in ordered]
        await self._conn.execute(
            """INSERT INTO scheduler.caps (tenant, recipient_id, scope)
               SELECT t, r, $3 FROM unnest($1::text[], $2::text[]) AS x(t, r)
               ON CONFLICT DO NOTHING""",
            tenants,
            ids,
            ALL,
        )
        return {k: {} for k in ordered} | await lock_caps(self._conn, tenants, ids)

    async def settle(self, settlement: Settlement, at: datetime) -> None:
        await write_settlement(self._conn, settlement, at)

    async def start_dispatching(self, keys: Sequence[PlanKey]) -> list[PlanCounts]:
        return await mark_dispatching(self._conn, keys)
