"""Web sessions in Postgres: `<schema>.web_sessions` (see records.table_ddl)."""

from datetime import datetime

from herald.runtime.auth import Principal, Role
from herald.runtime.db import Database
from herald.runtime.websessions.records import SessionRow, checked_schema

# The table name is a checked identifier (records.checked_schema); values are parameters.


class PgSessionStore:
    def __init__(self, db: Database, schema: str) -> None:
        self._db = db
        self._table = f"{checked_schema(schema)}.web_sessions"

    async def insert(self, row: SessionRow) -> None:
        await self._db.pool.execute(
            f"""INSERT INTO {self._table} (id_sha256, realm, key_id, tenant, role, user_name,
                    department, key_sha256, sealed_key, created_at, last_seen)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)""",  # noqa: S608
            row.id_sha256,
            row.realm,
            row.holder.key_id,
            row.holder.tenant,
            str(row.holder.role),
            row.holder.user,
            row.holder.department,
            row.key_sha256,
            row.sealed_key,
            row.created_at,
            row.last_seen,
        )

    async def get(self, id_sha256: str) -> SessionRow | None:
        found = await self._db.pool.fetchrow(
            f"SELECT * FROM {self._table} WHERE id_sha256 = $1",  # noqa: S608
            id_sha256,
        )
        if found is None:
            return None
        holder = Principal(
            found["key_id"],
            found["tenant"],
            Role(found["role"]),
            found["user_name"],
            found["department"],
        )
        return SessionRow(
            found["id_sha256"],
            found["realm"],
            holder,
            found["key_sha256"],
            found["created_at"],
            found["last_seen"],
            found["sealed_key"],
        )

    async def touch(self, id_sha256: str, at: datetime) -> None:
        await self._db.pool.execute(
            f"UPDATE {self._table} SET last_seen = greatest(last_seen, $2) WHERE id_sha256 = $1",  # noqa: S608
            id_sha256,
            at,
        )

    async def delete(self, id_sha256: str) -> None:
        await self._db.pool.execute(
            f"DELETE FROM {self._table} WHERE id_sha256 = $1",  # noqa: S608
            id_sha256,
        )

    async def purge(self, idle_before: datetime, created_before: datetime) -> int:
        done = await self._db.pool.execute(
            f"DELETE FROM {self._table} WHERE last_seen < $1 OR created_at < $2",  # noqa: S608
            idle_before,
            created_before,
        )
        return int(done.split()[-1])
