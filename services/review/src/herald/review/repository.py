"""Review's storage: decisions and the append-only audit log."""

from dataclasses import dataclass
from typing import Protocol

from herald.contracts.internal import RequestEnvelope
from herald.review.domain import Decision
from herald.runtime.service import Database


@dataclass(frozen=True, slots=True)
class Stored:
    state: str
    emitted: bool


class DecisionRepository(Protocol):
    async def record(self, envelope: RequestEnvelope, decision: Decision, actor: str) -> Stored:
        """Store the decision once (a redelivery returns what was stored) and audit it."""

    async def mark_emitted(self, tenant: str, request_id: str) -> None: ...


class PgDecisionRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def record(self, envelope: RequestEnvelope, decision: Decision, actor: str) -> Stored:
        req = envelope.request
        reasons = [r.model_dump(mode="json") for r in decision.reasons]
        async with self._db.pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                """INSERT INTO review.decisions (tenant, request_id, state, requester, department,
                       envelope, reasons, decided_at)
                   VALUES ($1, $2, $3, $4, $5, $6, $7,
                           CASE WHEN $3 = 'pending_review' THEN NULL ELSE now() END)
                   ON CONFLICT (tenant, request_id) DO NOTHING
                   RETURNING state, emitted""",
                req.tenant,
                req.request_id,
                str(decision.state),
                req.requester.user,
                req.requester.department,
                envelope.model_dump(mode="json"),
                reasons,
            )
            if row is None:
                row = await conn.fetchrow(
                    "SELECT state, emitted FROM review.decisions WHERE tenant=$1 AND request_id=$2",
                    req.tenant,
                    req.request_id,
                )
                return Stored(row["state"], row["emitted"])
            await conn.execute(
                """INSERT INTO review.audit (tenant, request_id, actor, action, reasons)
                   VALUES ($1, $2, $3, $4, $5)""",
                req.tenant,
                req.request_id,
                actor,
                str(decision.state),
                reasons,
            )
            return Stored(row["state"], row["emitted"])

    async def mark_emitted(self, tenant: str, request_id: str) -> None:
        await self._db.pool.execute(
            "UPDATE review.decisions SET emitted = true WHERE tenant = $1 AND request_id = $2",
            tenant,
            request_id,
        )
