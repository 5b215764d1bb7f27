"""Transactions on the service's pool, with Postgres's conflict errors as `ContentionError`."""

import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg

from herald.runtime.db import Database
from herald.scheduler.ports import ContentionError


@contextlib.contextmanager
def contention() -> Iterator[None]:
    """A deadlock or serialisation failure rolled the transaction back: say so in the
    ports' terms (the caller may run the whole operation again)."""
    try:
        yield
    except asyncpg.TransactionRollbackError as exc:
        raise ContentionError(str(exc)) from exc


@contextlib.asynccontextmanager
async def transaction(db: Database, **options: Any) -> AsyncIterator[asyncpg.Connection]:
    """A connection in a transaction: committed when the block ends well."""
    with contention():
        async with db.pool.acquire() as conn, conn.transaction(**options):
            yield conn
