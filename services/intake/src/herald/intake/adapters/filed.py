"""The Postgres adapter of FiledRequests: the portal's reads of intake's own tables
(parameterised SQL only)."""

from typing import Any

from herald.contracts import Status
from herald.intake.ports import Filed
from herald.runtime.db import Database

_COLUMNS = "request_id, department, requester, created_at, status"


def _filed(row: Any) -> Filed:
    status = Status.model_validate(row["status"]) if row["status"] else None
    return Filed(row["request_id"], row["department"], row["requester"], row["created_at"], status)


class PgFiledRequests:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def listing(self, tenant: str, department: str | None, limit: int) -> list[Filed]:
        rows = await self._db.pool.fetch(
            f"""SELECT {_COLUMNS} FROM intake.requests
                WHERE tenant = $1 AND ($2::text IS NULL OR lower(department) = lower($2))
                ORDER BY created_at DESC, request_id LIMIT $3""",  # noqa: S608 - a constant
            tenant,
            department,
            limit,
        )
        return [_filed(r) for r in rows]

    async def filed(self, tenant: str, request_id: str) -> Filed | None:
        row = await self._db.pool.fetchrow(
            f"SELECT {_COLUMNS} FROM intake.requests WHERE tenant = $1 AND request_id = $2",  # noqa: S608
            tenant,
            request_id,
        )
        return _filed(row) if row else None

    async def history(self, tenant: str, request_id: str) -> list[Status]:
        rows = await self._db.pool.fetch(
            """SELECT body FROM intake.status_history WHERE tenant = $1 AND request_id = $2
               ORDER BY at, recorded_at""",
            tenant,
            request_id,
        )
        return [Status.model_validate(r["body"]) for r in rows]
