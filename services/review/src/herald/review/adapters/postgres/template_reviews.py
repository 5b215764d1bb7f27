"""The Postgres adapter of TemplateReviewStore (parameterised SQL only)."""

import dataclasses
from datetime import datetime
from typing import Any

from herald.contracts import Reason, StatusKind
from herald.contracts.template_review import TemplateReviewRequested
from herald.review.domain import Decision, HumanDecision, human_reasons
from herald.review.templates.ports import TemplateReview
from herald.runtime.db import Database

_GET = "SELECT * FROM review.template_reviews WHERE tenant = $1 AND name = $2 AND version = $3"


def _review(row: Any) -> TemplateReview:
    r = dict(row)
    return TemplateReview(
        TemplateReviewRequested.model_validate(r["requested"]),
        StatusKind(r["state"]),
        tuple(Reason.model_validate(x) for x in r["reasons"]),
        r["findings"],
        r["created_at"],
        r["decided_by"],
        r["note"],
        r["decided_at"],
        r["emitted"],
    )


class PgTemplateReviewStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def record(
        self, requested: TemplateReviewRequested, decision: Decision, at: datetime
    ) -> TemplateReview:
        final = decision.state != StatusKind.PENDING_REVIEW
        async with self._db.pool.acquire() as conn:
            await conn.execute(
                """INSERT INTO review.template_reviews (tenant, name, version, state, requested,
                       submitter, department, reasons, findings, created_at, decided_at)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                   ON CONFLICT (tenant, name, version) DO NOTHING""",
                requested.tenant, requested.name, requested.version, str(decision.state),
                requested.model_dump(mode="json"), requested.submitter.user,
                requested.submitter.department,
                [r.model_dump(mode="json") for r in decision.reasons],
                [dataclasses.asdict(f) for f in decision.findings], at, at if final else None,
            )  # fmt: skip
            row = await conn.fetchrow(
                _GET,
                requested.tenant, requested.name, requested.version,
            )  # fmt: skip
        return _review(row)

    async def get(self, tenant: str, name: str, version: int) -> TemplateReview | None:
        async with self._db.pool.acquire() as conn:
            row = await conn.fetchrow(_GET, tenant, name, version)
        return _review(row) if row else None

    async def listing(self, tenant: str, state: StatusKind, limit: int) -> list[TemplateReview]:
        async with self._db.pool.acquire() as conn:
            rows = await conn.fetch(
                """SELECT * FROM review.template_reviews WHERE tenant = $1 AND state = $2
                   ORDER BY created_at LIMIT $3""",
                tenant, str(state), limit,
            )  # fmt: skip
        return [_review(r) for r in rows]

    async def decide(
        self, tenant: str, name: str, version: int, decision: HumanDecision, at: datetime
    ) -> TemplateReview | None:
        reasons = [r.model_dump(mode="json") for r in human_reasons(decision)]
        async with self._db.pool.acquire() as conn:
            row = await conn.fetchrow(
                """UPDATE review.template_reviews
                   SET state = $4, reasons = $5, decided_by = $6, note = $7, decided_at = $8
                   WHERE tenant = $1 AND name = $2 AND version = $3
                     AND state = 'pending_review' RETURNING *""",
                tenant, name, version, str(decision.state), reasons, decision.reviewer,
                decision.note, at,
            )  # fmt: skip
        return _review(row) if row else None

    async def mark_emitted(self, tenant: str, name: str, version: int) -> None:
        async with self._db.pool.acquire() as conn:
            await conn.execute(
                """UPDATE review.template_reviews SET emitted = true
                   WHERE tenant = $1 AND name = $2 AND version = $3""",
                tenant, name, version,
            )  # fmt: skip

    async def unannounced(self, decided_before: datetime) -> list[TemplateReview]:
        async with self._db.pool.acquire() as conn:
            rows = await conn.fetch(
                """SELECT * FROM review.template_reviews
                   WHERE NOT emitted AND state <> 'pending_review' AND decided_at < $1
                   ORDER BY decided_at LIMIT 100""",
                decided_before,
            )
        return [_review(r) for r in rows]
