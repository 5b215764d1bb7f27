"""Reading deliveries with their attempts, and replaying one (parameterised SQL only)."""

from collections import defaultdict
from datetime import datetime
from typing import Any

from herald.intake.callbacks.domain import EventType
from herald.intake.callbacks.views import AttemptOut, DeliveryOut
from herald.runtime.db import Database

_DELIVERY_COLUMNS = (
    "seq, id, event_id, type, subject, label, state, created_at, next_at, expires_at"
)


# deliberate declaration: a row of callback_deliveries, column by column
def _delivery(row: Any, attempts: list[AttemptOut]) -> DeliveryOut:
    return DeliveryOut(
        id=row["id"],
        event_id=row["event_id"],
        type=EventType(row["type"]),
        subject=row["subject"],
        label=row["label"],
        state=row["state"],
        created_at=row["created_at"],
        next_attempt_at=row["next_at"] if row["state"] == "pending" else None,
        expires_at=row["expires_at"],
        attempts=attempts,
    )


class PgDeliveryReads:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def deliveries(
        self, sub_id: str, limit: int, state: str | None = None
    ) -> list[DeliveryOut]:
        rows = await self._db.pool.fetch(
            f"""SELECT {_DELIVERY_COLUMNS} FROM intake.callback_deliveries
                WHERE subscription_id = $1 AND ($2::text IS NULL OR state = $2)
                ORDER BY seq DESC LIMIT $3""",  # noqa: S608 - a constant list of columns
            sub_id,
            state,
            limit,
        )
        return await self._with_attempts(rows)

    async def replay(
        self, sub_id: str, delivery_id: str, now: datetime, deadline: datetime
    ) -> DeliveryOut | None:
        row = await self._db.pool.fetchrow(
            f"""UPDATE intake.callback_deliveries
                SET state = 'pending', next_at = $3, expires_at = $4, failures = 0,
                    leased_until = NULL
                WHERE subscription_id = $1 AND id = $2
                RETURNING {_DELIVERY_COLUMNS}""",  # noqa: S608 - a constant list of columns
            sub_id,
            delivery_id,
            now,
            deadline,
        )
        return (await self._with_attempts([row]))[0] if row else None

    async def _with_attempts(self, rows: list[Any]) -> list[DeliveryOut]:
        found = await self._db.pool.fetch(
            """SELECT * FROM intake.callback_attempts WHERE delivery_seq = ANY($1::bigint[])
               ORDER BY delivery_seq, n""",
            [r["seq"] for r in rows],
        )
        attempts: dict[int, list[AttemptOut]] = defaultdict(list)
        for a in found:
            attempts[a["delivery_seq"]].append(
                AttemptOut(
                    n=a["n"],
                    at=a["at"],
                    status_code=a["status_code"],
                    latency_ms=a["latency_ms"],
                    error=a["error"],
                    next_retry_at=a["next_at"],
                )
            )
        return [_delivery(r, attempts[r["seq"]]) for r in rows]
