"""The Postgres adapter of RequestRepository (parameterised SQL only): the durable dedupe
record of every request, and requester standing."""

from collections.abc import Sequence

from herald.contracts import TERMINAL_STATUSES, Status, StatusKind
from herald.contracts.internal import Standing, StandingChanged
from herald.intake.domain import RequestRecord
from herald.intake.ports import Claim
from herald.runtime.db import Database


def _record(row: object) -> RequestRecord:
    r = dict(row)  # type: ignore[call-overload]
    status = Status.model_validate(r["status"]) if r["status"] else None
    return RequestRecord(
        r["tenant"],
        r["request_id"],
        r["body_sha256"],
        r["department"],
        r["requester"],
        r["trace_id"],
        r["received_via"],
        r["source"],
        r["emitted"],
        status,
        r["credential"],
    )


class PgRequestRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def claim(self, record: RequestRecord) -> Claim:
        """One statement for a new request: the insert, and the standing of its
        requester and department; a second reads the record already there."""
        async with self._db.pool.acquire() as conn:
            row = await conn.fetchrow(
                """WITH claimed AS (
                     INSERT INTO intake.requests (tenant, request_id, body_sha256,
                         department, requester, trace_id, received_via, source, credential)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                     ON CONFLICT (tenant, request_id) DO NOTHING
                     RETURNING true AS inserted)
                   SELECT (SELECT inserted FROM claimed) AS inserted,
                     (SELECT standing FROM intake.standing WHERE tenant = $1
                      AND subject_kind = 'requester' AND subject = $5) AS requester,
                     (SELECT standing FROM intake.standing WHERE tenant = $1
                      AND subject_kind = 'department' AND subject = $4) AS department""",
                record.tenant,
                record.request_id,
                record.body_sha256,
                record.department,
                record.requester,
                record.trace_id,
                record.received_via,
                record.source,
                record.credential,
            )
            assert row is not None
            standing = (
                Standing(row["requester"] or Standing.GOOD),
                Standing(row["department"] or Standing.GOOD),
            )
            if row["inserted"]:
                return Claim(None, standing)
            # outside the insert's snapshot: a request claimed concurrently is seen
            existing = await conn.fetchrow(
                "SELECT * FROM intake.requests WHERE tenant = $1 AND request_id = $2",
                record.tenant,
                record.request_id,
            )
            return Claim(_record(existing), standing)

    async def mark_emitted(self, tenant: str, request_id: str, status: Status) -> None:
        await self._db.pool.execute(
            """UPDATE intake.requests SET emitted = true, updated_at = now(),
                   status = CASE WHEN status IS NULL THEN $3::jsonb ELSE status END
               WHERE tenant = $1 AND request_id = $2""",
            tenant,
            request_id,
            status.model_dump(mode="json"),
        )

    # deliberate declaration: one row by its key, the way every repository reads one
    async def get(self, tenant: str, request_id: str) -> RequestRecord | None:
        row = await self._db.pool.fetchrow(
            "SELECT * FROM intake.requests WHERE tenant = $1 AND request_id = $2",
            tenant,
            request_id,
        )
        return _record(row) if row else None

    async def apply_statuses(self, statuses: Sequence[Status]) -> None:
        """The latest status of each request, and every status in its history (one
        transaction: the two never disagree)."""
        rows = [
            (s.tenant, s.request_id, s.model_dump(mode="json"))
            for s in statuses
            if s.status != StatusKind.DUPLICATE
        ]
        if not rows:
            return
        final = sorted(TERMINAL_STATUSES)
        async with self._db.pool.acquire() as conn, conn.transaction():
            # out of order, an older status never replaces a newer one (domain.replaces)
            await conn.executemany(
                """UPDATE intake.requests SET status = $3::jsonb, updated_at = now()
                   WHERE tenant = $1 AND request_id = $2 AND (
                     status IS NULL
                     OR CASE WHEN ($3::jsonb->>'status' = ANY($4::text[]))
                                  = (status->>'status' = ANY($4::text[]))
                             THEN ($3::jsonb->>'at')::timestamptz
                                  >= (status->>'at')::timestamptz
                             ELSE $3::jsonb->>'status' = ANY($4::text[]) END)""",
                [(*row, final) for row in rows],
            )
            await conn.executemany(
                """INSERT INTO intake.status_history (tenant, request_id, status, at, body)
                   SELECT $1, $2, $3::jsonb->>'status', ($3::jsonb->>'at')::timestamptz, $3
                   WHERE EXISTS (SELECT 1 FROM intake.requests
                                 WHERE tenant = $1 AND request_id = $2)
                   ON CONFLICT DO NOTHING""",
                rows,
            )

    # deliberate declaration: each service reads its own copy of the standing (intake's
    # projection of push.standing.v1; review keeps the ledger): one schema each
    async def standing(
        self, tenant: str, requester: str, department: str
    ) -> tuple[Standing, Standing]:
        rows = await self._db.pool.fetch(
            """SELECT subject_kind, standing FROM intake.standing WHERE tenant = $1
               AND ((subject_kind = 'requester' AND subject = $2)
                 OR (subject_kind = 'department' AND subject = $3))""",
            tenant,
            requester,
            department,
        )
        found = {r["subject_kind"]: Standing(r["standing"]) for r in rows}
        return found.get("requester", Standing.GOOD), found.get("department", Standing.GOOD)

    async def set_standing(self, changes: Sequence[StandingChanged]) -> None:
        await self._db.pool.executemany(
            """INSERT INTO intake.standing (tenant, subject_kind, subject, standing, at)
               VALUES ($1, $2, $3, $4, $5)
               ON CONFLICT (tenant, subject_kind, subject) DO UPDATE
               SET standing = EXCLUDED.standing, at = EXCLUDED.at
               WHERE intake.standing.at <= EXCLUDED.at""",
            [(c.tenant, c.subject_kind, c.subject, str(c.standing), c.at) for c in changes],
        )
