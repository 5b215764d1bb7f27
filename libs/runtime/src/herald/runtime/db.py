"""Postgres: the pool a service's adapters hold, and a small forward-only migration runner."""

import asyncio
import json
from pathlib import Path
from typing import Any

import asyncpg
import structlog

from herald.runtime.pool import LanePool, PoolWaits
from herald.runtime.transient import retry_transient

log = structlog.get_logger(__name__)


class Database:
    """The pool, set when the service starts; repositories hold this, not the pool.
    `reserve`: connections beyond the pool's bulk share that only critical work takes
    (herald.runtime.pool); `waits` times every acquisition."""

    def __init__(self, waits: PoolWaits | None = None, reserve: int = 0) -> None:
        self._pool: LanePool | None = None
        self._waits, self.reserve = waits, reserve

    @property
    def pool(self) -> LanePool:
        if self._pool is None:
            raise RuntimeError("the database is not connected yet")
        return self._pool

    def attach(self, pool: asyncpg.Pool | None, *, share: int | None = None) -> None:
        """`pool` holds `share + reserve` connections (`share` None: all but the
        reserve)."""
        if pool is None:
            self._pool = None
            return
        share = pool.get_max_size() - self.reserve if share is None else share
        self._pool = LanePool(pool, share=share, reserve=self.reserve, waits=self._waits)


_MIGRATIONS_TABLE = """
CREATE SCHEMA IF NOT EXISTS herald_meta;
CREATE TABLE IF NOT EXISTS herald_meta.migrations (
    service text NOT NULL,
    version text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (service, version)
);
"""


async def _init_connection(conn: asyncpg.Connection) -> None:
    for kind in ("json", "jsonb"):
        await conn.set_type_codec(kind, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def _keep_session(conn: asyncpg.Connection) -> None:
    """What a connection going back to the pool needs beyond asyncpg's own clean-up (which
    always rolls back an open transaction and drops listeners): nothing. asyncpg's default
    reset sends one more statement (unlock advisory locks, close cursors, UNLISTEN, RESET
    ALL) on *every* release, a round trip per pool use, ~20% of a single push's statements.
    Herald keeps no session state across a release: its advisory locks are transaction-
    scoped (`pg_advisory_xact_lock`) or released in a `finally` (`migrate`), its settings
    are `SET LOCAL`, its cursors live inside transactions and nothing LISTENs. Code that
    ever needs session state resets it itself before releasing the connection."""


async def create_pool(dsn: str, *, max_size: int = 10, attempts: int = 30) -> asyncpg.Pool:
    """Connect, waiting for Postgres to come up (it may start after us)."""

    async def connect() -> asyncpg.Pool:
        pool: asyncpg.Pool = await asyncpg.create_pool(
            dsn,
            min_size=1,
            max_size=max_size,
            init=_init_connection,
            reset=_keep_session,
            command_timeout=60,
        )
        return pool

    # any Postgres error counts here: a server still starting answers with several
    return await retry_transient(
        connect,
        "database_unavailable",
        first_delay_s=0.2,
        max_delay_s=3.0,
        attempts=attempts,
        errors=(OSError, asyncpg.PostgresError),
    )


async def migrate(pool: asyncpg.Pool, service: str, folder: Path) -> list[str]:
    """Apply the folder's `NNN_name.sql` files not applied yet, in order, each in a transaction."""
    applied: list[str] = []
    async with pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock(hashtext('herald_migrations'))")
        try:
            await conn.execute(_MIGRATIONS_TABLE)
            done = {
                r["version"]
                for r in await conn.fetch(
                    "SELECT version FROM herald_meta.migrations WHERE service = $1", service
                )
            }
            for path in sorted(folder.glob("*.sql")):  # noqa: ASYNC240 - at start-up
                if path.stem in done:
                    continue
                async with conn.transaction():
                    await conn.execute(path.read_text(encoding="utf-8"))
                    await conn.execute(
                        "INSERT INTO herald_meta.migrations (service, version) VALUES ($1, $2)",
                        service,
                        path.stem,
                    )
                applied.append(path.stem)
        finally:
            await conn.execute("SELECT pg_advisory_unlock(hashtext('herald_migrations'))")
    if applied:
        log.info("migrations_applied", service=service, versions=applied)
    return applied


async def ping(pool: asyncpg.Pool, timeout: float = 2.0) -> None:
    async with asyncio.timeout(timeout), pool.acquire() as conn:
        await conn.fetchval("SELECT 1")


Record = dict[str, Any]
