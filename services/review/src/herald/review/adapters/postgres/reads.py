"""The read side of the Postgres ReviewRepository: queue, lookups, audit, recovery."""

from datetime import datetime
from typing import Any

from herald.contracts import Priority, Reason, StatusKind
from herald.contracts.critical import CRITICAL_CATEGORIES, PRIORITY_ORDER
from herald.contracts.internal import RequestEnvelope
from herald.review.ports import AuditEntry, QueueStat, Review
from herald.runtime.db import Database

_FINAL = ("approved", "rejected", "cancelled", "expired")


# deliberate declaration: a row of review.decisions, column by column
def review_of(row: Any) -> Review:
    envelope = row["envelope"]
    return Review(
        tenant=row["tenant"],
        request_id=row["request_id"],
        state=StatusKind(row["state"]),
        envelope=RequestEnvelope.model_validate(envelope) if envelope else None,
        requester=row["requester"],
        department=row["department"],
        reasons=tuple(Reason.model_validate(r) for r in row["reasons"]),
        findings=list(row["findings"]),
        emitted=row["emitted"],
        created_at=row["created_at"],
        decided_at=row["decided_at"],
        decided_by=row["decided_by"],
        note=row["note"],
    )


class PgReviewReads:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def unannounced(self, decided_before: datetime) -> list[Review]:
        rows = await self._db.pool.fetch(
            """SELECT * FROM review.decisions
               WHERE NOT emitted AND envelope IS NOT NULL AND state = ANY($1::text[])
                 AND decided_at < $2 LIMIT 500""",
            list(_FINAL),
            decided_before,
        )
        return [review_of(r) for r in rows]

    async def get(self, tenant: str, request_id: str) -> Review | None:
        row = await self._db.pool.fetchrow(
            "SELECT * FROM review.decisions WHERE tenant = $1 AND request_id = $2",
            tenant,
            request_id,
        )
        return review_of(row) if row and row["envelope"] else None

    async def listing(self, tenant: str, state: StatusKind, limit: int) -> list[Review]:
        """Most urgent first (`herald.contracts.critical.urgency`: the critical lane, then
        priority), oldest first among equals: an alert never waits behind a blast."""
        rows = await self._db.pool.fetch(
            """SELECT * FROM review.decisions
               WHERE tenant = $1 AND state = $2 AND envelope IS NOT NULL
               ORDER BY (envelope->'request'->>'category' = ANY($4::text[])
                         OR envelope->'request'->>'priority' = $5) DESC,
                        array_position($6::text[],
                                       coalesce(envelope->'request'->>'priority', 'normal')),
                        created_at
               LIMIT $3""",
            tenant,
            str(state),
            limit,
            sorted(CRITICAL_CATEGORIES),
            Priority.CRITICAL,
            list(PRIORITY_ORDER),
        )
        return [review_of(r) for r in rows]

    async def audit(self, tenant: str, request_id: str) -> list[AuditEntry]:
        rows = await self._db.pool.fetch(
            """SELECT id, request_id, subject, actor, action, reasons, findings, note, at
               FROM review.audit WHERE tenant = $1 AND request_id = $2 ORDER BY id""",
            tenant,
            request_id,
        )
        return [AuditEntry(**dict(r)) for r in rows]

    async def queue(self) -> list[QueueStat]:
        rows = await self._db.pool.fetch(
            """SELECT tenant, count(*) AS depth, min(created_at) AS oldest FROM review.decisions
               WHERE state = 'pending_review' GROUP BY tenant"""
        )
        return [QueueStat(r["tenant"], r["depth"], r["oldest"]) for r in rows]
