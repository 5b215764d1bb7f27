"""The Postgres adapter of ReviewRepository (parameterised SQL only)."""

import dataclasses
from datetime import datetime
from typing import Any

import asyncpg

from herald.contracts import Reason, StatusKind
from herald.contracts.internal import CancelRequested, RequestEnvelope
from herald.review.adapters.postgres.reads import PgReviewReads, review_of
from herald.review.domain import Decision, HumanDecision, human_reasons, submitter_of
from herald.review.ports import Recorded, Review


def _dump(reasons: tuple[Reason, ...]) -> list[dict[str, Any]]:
    return [r.model_dump(mode="json") for r in reasons]


async def _audit(
    conn: asyncpg.Connection,
    review: Review,
    actor: str,
    action: str,
    at: datetime,
    note: str | None = None,
) -> None:
    await conn.execute(
        """INSERT INTO review.audit (tenant, request_id, actor, action, reasons, findings, note, at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
        review.tenant,
        review.request_id,
        actor,
        action,
        _dump(review.reasons),
        review.findings,
        note,
        at,
    )


async def _strike(conn: asyncpg.Connection, review: Review, reason: str, at: datetime) -> None:
    rows = [
        (review.tenant, kind, subject, review.request_id, reason, at)
        for kind, subject in (("requester", review.requester), ("department", review.department))
        if subject
    ]
    await conn.executemany(
        """INSERT INTO review.strikes (tenant, subject_kind, subject, request_id, reason, at)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING""",
        rows,
    )


_RECORD = """
WITH d AS (
    INSERT INTO review.decisions (tenant, request_id, state, requester, department, category,
        envelope, reasons, findings, created_at, decided_at, decided_by, note, expires_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
    ON CONFLICT (tenant, request_id) DO NOTHING RETURNING *),
a AS (
    INSERT INTO review.audit (tenant, request_id, actor, action, reasons, findings, note, at)
    SELECT tenant, request_id, 'rules', state, reasons, findings, $13, $10 FROM d)
SELECT * FROM d"""
"""A decision by the rules and its audit row (what `_audit` writes), in one statement."""


class PgReviewRepository(PgReviewReads):
    """Writes; every change of a decision is audited in the same transaction."""

    async def record(self, envelope: RequestEnvelope, decision: Decision, at: datetime) -> Recorded:
        """The decision and its audit row in one statement (atomic on its own, so no
        transaction's BEGIN and COMMIT round trips for the common case); a rejection's
        strikes join them in one transaction; a request seen before is adopted."""
        req, submitter = envelope.request, submitter_of(envelope)
        final = decision.state != StatusKind.PENDING_REVIEW
        args = (
            req.tenant,
            req.request_id,
            str(decision.state),
            submitter.user,
            submitter.department,
            str(req.category),
            envelope.model_dump(mode="json"),
            _dump(decision.reasons),
            [dataclasses.asdict(f) for f in decision.findings],
            at,
            at if final else None,
            "rules" if final else None,
            decision.why or None,
            req.schedule.expires_at if req.schedule else None,
        )
        rejected = decision.state == StatusKind.REJECTED
        async with self._db.pool.acquire() as conn:
            row = None if rejected else await conn.fetchrow(_RECORD, *args)
            if row is not None:
                return Recorded(review_of(row), fresh=True)
            async with conn.transaction():
                row = await conn.fetchrow(_RECORD, *args) if rejected else None
                if row is None:
                    return Recorded(await self._adopt(conn, envelope), fresh=False)
                review = review_of(row)
                await _strike(conn, review, "rules", at)
                return Recorded(review, fresh=True)

    async def _adopt(self, conn: asyncpg.Connection, envelope: RequestEnvelope) -> Review:
        """The stored row; a request cancelled before it arrived gets its envelope now."""
        req, submitter = envelope.request, submitter_of(envelope)
        row = await conn.fetchrow(
            """UPDATE review.decisions SET envelope = $3, requester = $4, department = $5,
                   category = $6
               WHERE tenant = $1 AND request_id = $2 AND envelope IS NULL RETURNING *""",
            req.tenant,
            req.request_id,
            envelope.model_dump(mode="json"),
            submitter.user,
            submitter.department,
            str(req.category),
        )
        if row is None:
            row = await conn.fetchrow(
                "SELECT * FROM review.decisions WHERE tenant = $1 AND request_id = $2",
                req.tenant,
                req.request_id,
            )
        return review_of(row)

    async def decide(
        self, tenant: str, request_id: str, decision: HumanDecision, at: datetime
    ) -> Review | None:
        async with self._db.pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                """UPDATE review.decisions SET state = $3, reasons = $4, decided_at = $5,
                       decided_by = $6, note = $7, emitted = false
                   WHERE tenant = $1 AND request_id = $2 AND state = 'pending_review'
                   RETURNING *""",
                tenant,
                request_id,
                str(decision.state),
                _dump(human_reasons(decision)),
                at,
                decision.reviewer,
                decision.note or None,
            )
            if row is None:
                return None
            review = review_of(row)
            await _audit(conn, review, decision.reviewer, str(decision.state), at, decision.note)
            if not decision.approve:
                await _strike(conn, review, "reviewer", at)
            return review

    async def cancel(self, event: CancelRequested) -> Review | None:
        async with self._db.pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                """INSERT INTO review.decisions (tenant, request_id, state, created_at,
                       decided_at, decided_by)
                   VALUES ($1, $2, 'cancelled', $3, $3, $4)
                   ON CONFLICT (tenant, request_id) DO UPDATE
                   SET state = 'cancelled', decided_at = $3, decided_by = $4, emitted = false,
                       reasons = '[]'
                   WHERE review.decisions.state = 'pending_review'
                   RETURNING *""",
                event.tenant,
                event.request_id,
                event.at,
                event.by,
            )
            if row is None:
                return None
            review = review_of(row)
            await _audit(conn, review, event.by, "cancelled", event.at)
            return review if review.envelope is not None else None

    async def expire(self, now: datetime, waited_since: datetime) -> list[Review]:
        async with self._db.pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                """UPDATE review.decisions SET state = 'expired', decided_at = $1,
                       decided_by = 'clock', emitted = false
                   WHERE state = 'pending_review' AND (created_at < $2 OR expires_at <= $1)
                   RETURNING *""",
                now,
                waited_since,
            )
            expired = [review_of(r) for r in rows]
            for review in expired:
                await _audit(conn, review, "clock", "expired", now, "waited too long for a human")
            return expired

    async def mark_emitted(self, tenant: str, request_id: str) -> None:
        await self._db.pool.execute(
            "UPDATE review.decisions SET emitted = true WHERE tenant = $1 AND request_id = $2",
            tenant,
            request_id,
        )
