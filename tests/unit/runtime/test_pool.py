"""Connections kept for critical work, and the waits measured (herald.runtime.pool)."""

import asyncio
import contextlib
from collections.abc import AsyncIterator

from prometheus_client import CollectorRegistry

from herald.runtime.lane import critical_lane
from herald.runtime.pool import LanePool, PoolWaits


class FakePool:
    """At most `size` connections out at once, like asyncpg's pool."""

    def __init__(self, size: int) -> None:
        self._free = asyncio.Semaphore(size)
        self.out = 0

    @contextlib.asynccontextmanager
    async def acquire(self) -> AsyncIterator["FakePool"]:
        async with self._free:
            self.out += 1
            try:
                yield self
            finally:
                self.out -= 1

    async def fetchval(self, query: str) -> str:
        return query


async def test_a_blast_holding_its_whole_share_leaves_critical_work_a_connection() -> None:
    raw = FakePool(3)
    registry = CollectorRegistry()
    pool = LanePool(raw, share=2, reserve=1, waits=PoolWaits(registry, "scheduler"))
    release = asyncio.Event()

    async def blast_statement() -> None:
        async with pool.acquire():
            await release.wait()

    holders = [asyncio.create_task(blast_statement()) for _ in range(2)]
    queued = asyncio.create_task(blast_statement())
    while raw.out < 2:
        await asyncio.sleep(0)
    with critical_lane():
        assert await pool.fetchval("SELECT 'code'") == "SELECT 'code'"
    assert raw.out == 2  # the third blast statement still waits for its share
    assert not queued.done()
    release.set()
    await asyncio.gather(*holders, queued)
    waits = {
        s.labels["lane"]: s.value
        for m in registry.collect()
        for s in m.samples
        if s.name == "herald_db_pool_wait_seconds_count"
    }
    assert waits == {"bulk": 3, "critical": 1}


async def test_without_a_reserve_every_lane_shares_the_pool() -> None:
    raw = FakePool(1)
    pool = LanePool(raw, share=1, reserve=0)
    async with pool.acquire():
        assert raw.out == 1
    assert await pool.fetchval("SELECT 1") == "SELECT 1"
