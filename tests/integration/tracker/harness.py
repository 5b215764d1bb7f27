"""Tracker wired for a test on the real Postgres: its service layer with a fake event bus
and clock (`Ledgered`, fast), or the whole app in-process on the real broker too
(`tracker_app`; `tracker_app_on_own_database` is the `app` fixture of conftest), and a
request taken to its end through the app (`finished`)."""

import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from prometheus_client import CollectorRegistry

from herald.devstack.postgres import create_database
from herald.runtime.db import Database
from herald.tracker.adapters.postgres.ledger import Ledger
from herald.tracker.adapters.postgres.partitions import PartitionKeeper, Retention
from herald.tracker.main import create_app
from herald.tracker.metrics import TrackerMetrics
from herald.tracker.settings import TrackerSettings
from herald.tracker.tracking import Tracker
from tests.integration.tracker.builders import NOW, outcome, scheduled
from tests.support.fakes import FakeEventBus
from tests.support.kafka import TopicWatcher, jbytes, produce
from tests.support.keys import bearer, write_keys
from tests.support.service import create_topics, new_prefix, running, service_env
from tests.support.waiting import eventually

TRACKING_KEYS = "k2:second-secret-for-tests-0123456789,k1:first-secret-for-tests-0123456789"


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


@dataclass
class App:
    http: httpx.AsyncClient
    kafka: str
    prefix: str
    keys: dict[tuple[str, str], str]
    status: TopicWatcher
    engagement: TopicWatcher

    def topic(self, name: str) -> str:
        return self.prefix + name

    def as_(self, role: str, tenant: str = "acme") -> dict[str, str]:
        return bearer(self.keys[(tenant, role)])

    async def send(
        self, name: str, items: list[tuple[str, Any]], headers: dict[str, str] | None = None
    ) -> None:
        await produce(
            self.kafka,
            self.topic(name),
            [(k, None if v is None else jbytes(v)) for k, v in items],
            headers,
        )


def tracker_settings(kafka: str, database_url: str, prefix: str, **extra: Any) -> TrackerSettings:
    env = service_env(
        kafka,
        database_url,
        prefix,
        tracking_keys=TRACKING_KEYS,
        status_update_interval_s=0.3,
        lag_interval_s=0.3,
        **extra,
    )
    return TrackerSettings(**env)


@contextlib.asynccontextmanager
async def tracker_app(
    kafka: str, database_url: str, folder: Path, **extra: Any
) -> AsyncIterator[App]:
    prefix = new_prefix()
    await create_topics(kafka, prefix)
    keys = write_keys(folder / "keys.json")
    settings = tracker_settings(
        kafka, database_url, prefix, api_keys_file=str(folder / "keys.json"), **extra
    )
    status = await TopicWatcher(kafka, prefix + "push.status.v1").start()
    engagement = await TopicWatcher(kafka, prefix + "push.engagement.v1").start()
    try:
        async with running(create_app(settings)) as http:
            yield App(http, kafka, prefix, keys, status, engagement)
    finally:
        await status.stop()
        await engagement.stop()


@contextlib.asynccontextmanager
async def tracker_app_on_own_database(
    kafka: str, pg_admin_url: str, folder: Path, **extra: Any
) -> AsyncIterator[App]:
    """The app on a database of its own, created for it."""
    database_url = await create_database(pg_admin_url, f"trk_{uuid.uuid4().hex[:10]}")
    async with tracker_app(kafka, database_url, folder, **extra) as app:
        yield app


def outcome_json(rid: str, i: int, kind: str = "delivered", **over: object) -> dict[str, object]:
    now = datetime.now(UTC)
    return outcome(rid, i, kind, at=now, **over).model_dump(mode="json")


async def finished(app: App, rid: str, recipients: int) -> dict[str, object]:
    """A request scheduled for `recipients`, all delivered but the last (suppressed), and
    its `completed` Status once the tracker announced it."""
    await app.send("push.status.v1", [(rid, scheduled(rid, recipients).model_dump(mode="json"))])
    items = [(f"d-{rid}-{i}", outcome_json(rid, i)) for i in range(recipients - 1)]
    items.append(
        (f"d-{rid}-x", outcome_json(rid, recipients - 1, "suppressed", reason="opted_out"))
    )
    await app.send("push.outcomes.v1", items)
    done = await eventually(
        lambda: [s.json() for s in app.status.for_key(rid) if s.json()["status"] == "completed"],
        what="completed",
    )
    return done[0]  # type: ignore[no-any-return]
