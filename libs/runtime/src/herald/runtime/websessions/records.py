"""What a web session row holds, the port that stores rows, and the table's DDL."""

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from herald.runtime.auth import Principal

_SCHEMA = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@dataclass(frozen=True, slots=True)
class SessionRow:
    """One session. `id_sha256` is the hash of the cookie's id (the id is never stored);
    `key_sha256` is the API key's hash (the key is never stored in the clear)."""

    id_sha256: str
    realm: str
    holder: Principal
    """Who the key named at login: any change to it (role, tenant, user, department)
    ends the session."""
    key_sha256: str
    created_at: datetime
    last_seen: datetime
    sealed_key: bytes | None = None


class SessionStore(Protocol):
    async def insert(self, row: SessionRow) -> None: ...

    async def get(self, id_sha256: str) -> SessionRow | None: ...

    async def touch(self, id_sha256: str, at: datetime) -> None: ...

    async def delete(self, id_sha256: str) -> None: ...

    async def purge(self, idle_before: datetime, created_before: datetime) -> int:
        """Delete the sessions ended by either clock; how many."""


def table_ddl(schema: str) -> str:
    """The sessions table in the using service's schema (its migration runs this text)."""
    schema = checked_schema(schema)
    return f"""CREATE TABLE {schema}.web_sessions (
    id_sha256   text        PRIMARY KEY,
    realm       text        NOT NULL,
    key_id      text        NOT NULL,
    tenant      text        NOT NULL,
    role        text        NOT NULL,
    user_name   text        NOT NULL,
    department  text,
    key_sha256  text        NOT NULL,
    sealed_key  bytea,
    created_at  timestamptz NOT NULL,
    last_seen   timestamptz NOT NULL
);
CREATE INDEX web_sessions_last_seen ON {schema}.web_sessions (last_seen);
CREATE INDEX web_sessions_created_at ON {schema}.web_sessions (created_at);
"""


def checked_schema(schema: str) -> str:
    if not _SCHEMA.match(schema):
        raise ValueError(f"not a plain schema name: {schema!r}")
    return schema
