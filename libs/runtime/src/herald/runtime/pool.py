"""The Postgres pool as the adapters use it: connections kept for critical work, and
how long each lane waits for one (issue 21).

In a process that serves both lanes, a blast's planning, releases and sends can hold
every pooled connection; a critical push's statement then queued behind them. The pool
here has `reserve` connections more than the bulk share (`DB_POOL_MAX`): bulk work (the
lane of the running work, herald.runtime.lane) takes at most the share, critical work
any connection, so it always finds one of the reserve free. The bulk share is what the
pool was before, so bulk work waits as before and nests acquisitions as before.

Every acquisition is timed: `herald_db_pool_wait_seconds{pool, lane}`.

Only the methods the adapters call are wrapped (`acquire`, `execute`, `executemany`,
`fetch`, `fetchrow`, `fetchval`); anything else goes to the asyncpg pool as it is.
"""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
from prometheus_client import CollectorRegistry, Histogram

from herald.runtime.lane import current_lane

BUCKETS = (0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0)


class PoolWaits:
    """`herald_db_pool_wait_seconds{pool, lane}`: from asking for a connection to
    holding one (the bulk share's turn included)."""

    def __init__(self, registry: CollectorRegistry, pool: str) -> None:
        self._pool = pool
        self.histogram = Histogram(
            "herald_db_pool_wait_seconds",
            "Time from asking the Postgres pool for a connection to getting one, by lane.",
            ["pool", "lane"],
            buckets=BUCKETS,
            registry=registry,
        )

    def observe(self, lane: str, seconds: float) -> None:
        self.histogram.labels(self._pool, lane).observe(seconds)


class LanePool:
    """An asyncpg pool of `share + reserve` connections; bulk work takes at most `share`
    of them at once (see the module's doc)."""

    def __init__(
        self, pool: asyncpg.Pool, *, share: int, reserve: int, waits: PoolWaits | None = None
    ) -> None:
        self.raw = pool
        self.reserve = reserve
        self._bulk = asyncio.Semaphore(share) if reserve else None
        self._waits = waits

    @contextlib.asynccontextmanager
    async def acquire(self) -> AsyncIterator[Any]:
        lane, asked = current_lane(), time.perf_counter()
        if self._bulk is None or lane == "critical":
            async with self.raw.acquire() as conn:
                self._waited(lane, asked)
                yield conn
        else:
            async with self._bulk, self.raw.acquire() as conn:
                self._waited(lane, asked)
                yield conn

    def _waited(self, lane: str, asked: float) -> None:
        if self._waits is not None:
            self._waits.observe(lane, time.perf_counter() - asked)

    async def execute(self, query: str, *args: Any, **kw: Any) -> Any:
        async with self.acquire() as conn:
            return await conn.execute(query, *args, **kw)

    async def executemany(self, command: str, args: Any, **kw: Any) -> Any:
        async with self.acquire() as conn:
            return await conn.executemany(command, args, **kw)

    async def fetch(self, query: str, *args: Any, **kw: Any) -> Any:
        async with self.acquire() as conn:
            return await conn.fetch(query, *args, **kw)

    async def fetchrow(self, query: str, *args: Any, **kw: Any) -> Any:
        async with self.acquire() as conn:
            return await conn.fetchrow(query, *args, **kw)

    async def fetchval(self, query: str, *args: Any, **kw: Any) -> Any:
        async with self.acquire() as conn:
            return await conn.fetchval(query, *args, **kw)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)
