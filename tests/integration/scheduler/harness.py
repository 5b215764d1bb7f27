"""The scheduler's parts on a real Postgres with a fake event bus and a settable clock."""

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg
from prometheus_client import CollectorRegistry

from herald.contracts import PushRequest, Recipient
from herald.contracts.internal import RequestEnvelope
from herald.runtime.db import Database, create_pool, migrate
from herald.scheduler.adapters.postgres import MIGRATIONS, postgres_stores
from herald.scheduler.adapters.postgres.recount import PostgresRecount
from herald.scheduler.cancelling import Canceller
from herald.scheduler.directory import Directory
from herald.scheduler.domain.policy import Policies
from herald.scheduler.metrics import SchedulerMetrics
from herald.scheduler.planning import Planner
from herald.scheduler.recounting import Recounter
from herald.scheduler.releasing import Releaser
from herald.scheduler.settings import SchedulerSettings
from tests.support.fakes import FakeEventBus, unbatched
from tests.support.kafka import produce
from tests.support.scheduler import Clock, Published, envelope
from tests.support.service import DELIVERY_ID_KEY, service_env


class Harness(Published):
    def __init__(self, clock: Clock, policies: Policies, *, batch: int = 1000) -> None:
        self.clock = clock
        self.url = ""
        self.events = FakeEventBus()
        self.db = Database()
        self.metrics = SchedulerMetrics(CollectorRegistry())
        self.stores = postgres_stores(self.db)
        self.directory = Directory(self.stores.recipients)
        self.engagement = self.stores.engagement
        s, bus = self.stores, self.events
        self.planner = Planner(
            s.plans,
            s.audience,
            s.timers,
            s.engagement,
            bus,
            clock,
            policies,
            self.metrics,
            500,
            id_key=DELIVERY_ID_KEY.encode(),
        )
        self.canceller = Canceller(s.plans, bus, clock, self.metrics)
        self.releaser = Releaser(s.timers, s.plans, bus, clock, policies, self.metrics, batch, 0.01)
        self.recounter = Recounter(PostgresRecount(self.db), policies)

    async def start(self, database_url: str) -> "Harness":
        pool = await create_pool(database_url, max_size=6)
        self.db.attach(pool)
        await migrate(pool, "scheduler", MIGRATIONS)
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

    async def caps(self, recipient_id: str) -> dict[str, int]:
        """Sends counted today per cap scope of one recipient."""
        rows = await self.pool.fetch(
            "SELECT scope, sent FROM scheduler.caps WHERE recipient_id = $1", recipient_id
        )
        return {r["scope"]: r["sent"] for r in rows}

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
    return [i for s in seen if s.value is not None for i in unbatched(json.loads(s.value))]
