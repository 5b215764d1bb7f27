"""The dispatcher's ledger: which deliveries were claimed and how they ended."""

from collections.abc import Sequence
from typing import Protocol

from herald.contracts.internal import Outcome, Send
from herald.runtime.service import Database


class Ledger(Protocol):
    async def claim(self, sends: Sequence[Send]) -> dict[str, Outcome | None]:
        """delivery_id -> its recorded outcome, or None where it still has to be sent."""

    async def finish(self, outcomes: Sequence[Outcome]) -> None: ...


class PgLedger:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def claim(self, sends: Sequence[Send]) -> dict[str, Outcome | None]:
        rows = await self._db.pool.fetch(
            """INSERT INTO dispatcher.deliveries (delivery_id, tenant, request_id)
               SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
               ON CONFLICT (delivery_id) DO UPDATE
                 SET attempts = dispatcher.deliveries.attempts + 1, updated_at = now()
               RETURNING delivery_id, outcome""",
            [s.delivery_id for s in sends],
            [s.tenant for s in sends],
            [s.request_id for s in sends],
        )
        return {
            r["delivery_id"]: Outcome.model_validate(r["outcome"]) if r["outcome"] else None
            for r in rows
        }

    async def finish(self, outcomes: Sequence[Outcome]) -> None:
        await self._db.pool.execute(
            """UPDATE dispatcher.deliveries d SET outcome = o.outcome, updated_at = now()
               FROM unnest($1::text[], $2::jsonb[]) AS o(delivery_id, outcome)
               WHERE d.delivery_id = o.delivery_id""",
            [o.delivery_id for o in outcomes],
            [o.model_dump(mode="json") for o in outcomes],
        )
