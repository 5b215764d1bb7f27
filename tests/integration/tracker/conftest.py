"""Tracker against a real Postgres: its service layer directly (fast), or the whole app."""

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from prometheus_client import CollectorRegistry

from herald.runtime.db import Database, create_pool, migrate
from herald.tracker.adapters.postgres.ledger import Ledger
from herald.tracker.adapters.postgres.partitions import PartitionKeeper, Retention
from herald.tracker.main import MIGRATIONS
from herald.tracker.metrics import TrackerMetrics
from herald.tracker.tracking import Tracker
from tests.support.fakes import FakeEventBus

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
TRACKING_KEYS = "k2:second-secret-for-tests,k1:first-secret-for-tests"


@dataclass
class Clock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Ledgered:
    """Tracker's service layer on a real database, with a fake event bus and clock."""

    pool: asyncpg.Pool
    tracker: Tracker
    ledger: Ledger
    keeper: PartitionKeeper
    events: FakeEventBus
    clock: Clock
    metrics: TrackerMetrics
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    async def fetch(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        return [dict(r) for r in await self.pool.fetch(sql, *args)]

    async def value(self, sql: str, *args: Any) -> Any:
        return await self.pool.fetchval(sql, *args)


def build_ledgered(
    pool: asyncpg.Pool, retention_days: int = 395, clock: Callable[[], datetime] | None = None
) -> Ledgered:
    db = Database()
    db.attach(pool)
    registry = CollectorRegistry()
    metrics = TrackerMetrics(registry, {"acme", "globex"})
    the_clock = clock if isinstance(clock, Clock) else Clock()
    keeper = PartitionKeeper(db, Retention(retention_days, 2), the_clock, metrics)
    events = FakeEventBus()
    ledger = Ledger(db)
    tracker = Tracker(ledger, keeper, events, metrics, the_clock)  # type: ignore[arg-type]
    return Ledgered(pool, tracker, ledger, keeper, events, the_clock, metrics, registry)


@pytest.fixture
async def ledgered(database_url: str) -> AsyncIterator[Ledgered]:
    pool = await create_pool(database_url, max_size=4)
    try:
        await migrate(pool, "tracker", Path(MIGRATIONS))
        yield build_ledgered(pool)
    finally:
        await pool.close()
