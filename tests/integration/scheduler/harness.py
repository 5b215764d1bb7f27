"""The scheduler wired for a test: its parts on a real Postgres with a fake event bus and a
settable clock (`Harness`), or the settings to run the whole app on the real broker."""

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg
from prometheus_client import CollectorRegistry

from herald.contracts import PushRequest, Recipient, Topic
from herald.contracts.internal import RequestEnvelope
from herald.runtime.db import create_pool, migrate
from herald.runtime.service import Database
from herald.scheduler.cancels import Canceller
from herald.scheduler.directory import Directory
from herald.scheduler.domain.policy import Policies
from herald.scheduler.engagement import EngagementStore
from herald.scheduler.manifest import MANIFEST
from herald.scheduler.metrics import SchedulerMetrics
from herald.scheduler.planning import Planner
from herald.scheduler.plans import PlanStore
from herald.scheduler.release import Releaser
from herald.scheduler.settings import SchedulerSettings
from herald.scheduler.timers import TimerStore
from tests.support.fakes import FakeEventBus
from tests.support.kafka import produce
from tests.support.scheduler import Clock, envelope
from tests.support.service import service_env


class Harness:
    def __init__(self, clock: Clock, policies: Policies, *, batch: int = 1000) -> None:
        self.clock = clock
        self.url = ""
        self.events = FakeEventBus()
        self.db = Database()
        self.metrics = SchedulerMetrics(CollectorRegistry())
        self.directory = Directory(self.db)
        self.plans = PlanStore(self.db)
        self.timers = TimerStore(self.db)
        self.engagement = EngagementStore(self.db)
        bus: Any = self.events
        self.planner = Planner(
            self.db, self.plans, self.engagement, bus, clock, policies, self.metrics, 500
        )
        self.canceller = Canceller(self.db, self.plans, bus, clock, self.metrics)
        self.releaser = Releaser(
            self.timers, self.plans, bus, clock, policies, self.metrics, batch, 0.01
        )

    async def start(self, database_url: str) -> "Harness":
        pool = await create_pool(database_url, max_size=6)
        self.db.attach(pool)
        assert MANIFEST.migrations is not None
        await migrate(pool, "scheduler", MANIFEST.migrations)
        return self

    async def stop(self) -> None:
        await self.db.pool.close()

    @property
    def pool(self) -> asyncpg.Pool:
        return self.db.pool

    async def add(self, *recipients: Recipient) -> None:
        await self.directory.apply([(r.tenant, r.recipient_id, r) for r in recipients])

    async def plan(self, request: PushRequest) -> None:
        await self.planner.plan(envelope(request, self.clock()))

    async def release(self) -> int:
        """Release until nothing is due at the current (fake) time."""
        total = 0
        while n := await self.releaser.release_once():
            total += n
        return total

    def sends(self, rid: str | None = None) -> list[dict[str, Any]]:
        out = [p.json() for p in self.events.on(Topic.SENDS)]
        return [s for s in out if rid is None or s["request_id"] == rid]

    def outcomes(self, rid: str | None = None) -> list[dict[str, Any]]:
        out = [p.json() for p in self.events.on(Topic.OUTCOMES)]
        return [o for o in out if rid is None or o["request_id"] == rid]

    def statuses(self, rid: str) -> list[dict[str, Any]]:
        return [p.json() for p in self.events.on(Topic.STATUS) if p.key == rid]

    async def timer(self, recipient_id: str) -> dict[str, Any] | None:
        row = await self.pool.fetchrow(
            "SELECT due_at, deferred FROM scheduler.timers WHERE recipient_id = $1", recipient_id
        )
        return dict(row) if row else None


def policies(**default: Any) -> Policies:
    return Policies.model_validate({"default": default})


async def copy_recipients(
    database_url: str, tenant: str, ids: Sequence[str], tags: list[str]
) -> None:
    """Bulk-load the directory with COPY (fast enough for 100,000 rows in a test).

    A plain connection: the pool's JSON codecs are text-only and COPY is binary."""
    contacts = json.dumps({"push_tokens": [{"platform": "fcm", "token": "tk"}]})
    consent = json.dumps({"marketing": True})
    conn = await asyncpg.connect(database_url)
    try:
        await conn.copy_records_to_table(
            "recipients",
            schema_name="scheduler",
            columns=["tenant", "recipient_id", "timezone", "contacts", "tags", "consent"],
            records=((tenant, rid, "Europe/Berlin", contacts, tags, consent) for rid in ids),
        )
        await conn.execute("ANALYZE scheduler.recipients")
    finally:
        await conn.close()


def settings(kafka: str, database_url: str, prefix: str, **extra: Any) -> SchedulerSettings:
    env = service_env(kafka, database_url, prefix, timer_poll_ms=50, metrics_interval_s=0.5)
    env |= {"kafka_session_timeout_ms": 2000, "kafka_heartbeat_interval_ms": 600}
    return SchedulerSettings(**(env | extra))


async def approve(kafka: str, prefix: str, request: PushRequest, at: datetime) -> None:
    env = RequestEnvelope(request=request, trace_id="t-" + request.request_id, at=at)
    await produce(
        kafka,
        prefix + "push.approved.v1",
        [(request.request_id, env.model_dump_json().encode())],
    )


def distinct(seen: list[Any]) -> set[str]:
    return {s.key for s in seen if s.key}


def payloads(seen: list[Any]) -> list[dict[str, Any]]:
    return [json.loads(s.value) for s in seen if s.value is not None]
