"""Transactions on the service's pool, with Postgres's conflict errors as `ContentionError`."""

import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, TypeVar

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


class OnConnection:
    """Storage work inside one transaction (a port's unit of work): its connection."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn


W = TypeVar("W", bound=OnConnection)


@contextlib.asynccontextmanager
async def working(
    db: Database, work: Callable[[asyncpg.Connection], W], **options: Any
) -> AsyncIterator[W]:
    """`work` on a connection in a transaction (`transaction`'s options)."""
    async with transaction(db, **options) as conn:
        yield work(conn)
