"""The Postgres adapter of StandingRepository (parameterised SQL only)."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from herald.contracts.internal import Standing, StandingChanged
from herald.runtime.db import Database


def _changed(row: Any) -> StandingChanged:
    return StandingChanged(
        tenant=row["tenant"],
        subject_kind=row["subject_kind"],
        subject=row["subject"],
        standing=Standing(row["standing"]),
        at=row["at"],
    )


_LADDER = [str(s) for s in Standing]
"""The ladder in order (good, warned, restricted, banned)."""


class PgStandingRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # deliberate declaration: review's ledger, read the way intake reads its projection
    # (intake/adapters/postgres.py): one schema each
    async def requester_and_department(
        self, tenant: str, requester: str, department: str
    ) -> tuple[Standing, Standing]:
        rows = await self._db.pool.fetch(
            """SELECT subject_kind, standing FROM review.standing WHERE tenant = $1
               AND ((subject_kind = 'requester' AND subject = $2)
                 OR (subject_kind = 'department' AND subject = $3))""",
            tenant,
            requester,
            department,
        )
        found = {r["subject_kind"]: Standing(r["standing"]) for r in rows}
        return found.get("requester", Standing.GOOD), found.get("department", Standing.GOOD)

    async def strikes(self, tenant: str, kind: str, subject: str, since: datetime) -> int:
        count: int = await self._db.pool.fetchval(
            """SELECT count(*) FROM review.strikes s
               LEFT JOIN review.standing t USING (tenant, subject_kind, subject)
               WHERE s.tenant = $1 AND s.subject_kind = $2 AND s.subject = $3 AND s.at >= $4
                 AND (t.reset_at IS NULL OR s.at > t.reset_at)""",
            tenant,
            kind,
            subject,
            since,
        )
        return count

    async def current(self, tenant: str, kind: str, subject: str) -> Standing:
        value = await self._db.pool.fetchval(
            """SELECT standing FROM review.standing
               WHERE tenant = $1 AND subject_kind = $2 AND subject = $3""",
            tenant,
            kind,
            subject,
        )
        return Standing(value) if value else Standing.GOOD

    async def change(
        self, tenant: str, kind: str, subject: str, to: Standing, at: datetime
    ) -> bool:
        """Only ever up the ladder, and never over a reinstatement made after `at`: two
        replicas reassessing the same subject at once cannot lower what the other wrote,
        and a reassessment that read strikes before an admin reinstated does not undo it."""
        written = await self._db.pool.fetchval(
            """INSERT INTO review.standing AS t (tenant, subject_kind, subject, standing, at)
               VALUES ($1, $2, $3, $4, $5)
               ON CONFLICT (tenant, subject_kind, subject) DO UPDATE
               SET standing = EXCLUDED.standing, at = EXCLUDED.at, published = false
               WHERE array_position($6::text[], t.standing)
                     < array_position($6::text[], EXCLUDED.standing)
                 AND (t.reset_at IS NULL OR t.reset_at < EXCLUDED.at)
               RETURNING true""",
            tenant,
            kind,
            subject,
            str(to),
            at,
            _LADDER,
        )
        return bool(written)

    async def reinstate(self, tenant: str, kind: str, subject: str, by: str, at: datetime) -> None:
        async with self._db.pool.acquire() as conn, conn.transaction():
            await conn.execute(
                """INSERT INTO review.standing (tenant, subject_kind, subject, standing, at,
                       reset_at)
                   VALUES ($1, $2, $3, 'good', $4, $4)
                   ON CONFLICT (tenant, subject_kind, subject) DO UPDATE
                   SET standing = 'good', at = $4, reset_at = $4, published = false""",
                tenant,
                kind,
                subject,
                at,
            )
            await conn.execute(
                """INSERT INTO review.audit (tenant, subject, actor, action, at)
                   VALUES ($1, $2, $3, 'reinstated', $4)""",
                tenant,
                f"{kind}:{subject}",
                by,
                at,
            )

    async def unpublished(self) -> list[StandingChanged]:
        rows = await self._db.pool.fetch(
            "SELECT * FROM review.standing WHERE NOT published ORDER BY at LIMIT 500"
        )
        return [_changed(r) for r in rows]

    async def mark_published(self, changes: Sequence[StandingChanged]) -> None:
        await self._db.pool.executemany(
            """UPDATE review.standing SET published = true
               WHERE tenant = $1 AND subject_kind = $2 AND subject = $3 AND at = $4""",
            [(c.tenant, c.subject_kind, c.subject, c.at) for c in changes],
        )

    async def listing(self, tenant: str) -> list[StandingChanged]:
        rows = await self._db.pool.fetch(
            "SELECT * FROM review.standing WHERE tenant = $1 ORDER BY subject_kind, subject",
            tenant,
        )
        return [_changed(r) for r in rows]
