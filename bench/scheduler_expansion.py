"""Benchmark: audience expansion rate and peak memory for 100,000 and 1,000,000 recipients.

    uv run --frozen python bench/scheduler_expansion.py [--sizes 100000,1000000]

Each size runs in a fresh process (so the RSS high-water mark is its own) against a
throwaway Postgres (or DATABASE_URL's server). The directory is filled server-side with
generate_series, then one marketing request for the whole segment is planned with an
event bus that drops what it is given. One JSON line per size on stdout.
"""

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry

from herald.contracts import PushRequest, Topic
from herald.contracts.internal import RequestEnvelope
from herald.devstack.postgres import LocalPostgres, create_database
from herald.runtime.db import Database, create_pool, migrate
from herald.runtime.events import Item, Value
from herald.scheduler.adapters.postgres import MIGRATIONS, postgres_stores
from herald.scheduler.domain.policy import Policies
from herald.scheduler.metrics import SchedulerMetrics
from herald.scheduler.planning import Planner

FILL = """
INSERT INTO scheduler.recipients (tenant, recipient_id, timezone, contacts, tags, consent,
                                  quiet_hours)
SELECT 'acme', 'u-' || lpad(i::text, 8, '0'),
       (ARRAY['Asia/Shanghai', 'Europe/Berlin', 'America/New_York', NULL])[1 + i % 4],
       CASE WHEN i % 50 = 0 THEN '{}'::jsonb
            ELSE '{"push_tokens": [{"platform": "fcm", "token": "t"}]}'::jsonb END,
       ARRAY['vip'], '{"marketing": true}'::jsonb,
       CASE WHEN i % 3 = 0 THEN '{"start": "22:00", "end": "08:00"}'::jsonb END
FROM generate_series(1, $1) AS i
"""


class NullBus:
    async def publish(
        self, topic: Topic, key: str, value: Value, headers: dict[str, str] | None = None
    ) -> None:
        return None

    async def publish_many(
        self, topic: Topic, items: Sequence[Item], headers: dict[str, str] | None = None
    ) -> None:
        return None


def request() -> PushRequest:
    return PushRequest.model_validate(
        {
            "request_id": "bench-" + uuid.uuid4().hex[:8],
            "tenant": "acme",
            "requester": {"department": "marketing", "user": "bench"},
            "goal": "benchmark",
            "category": "marketing",
            "channels": ["app_push"],
            "content": {"title": "t", "body": "b"},
            "audience": {"segment": {"tags_all": ["vip"]}},
            "schedule": {"send_at": "2026-12-01T20:00:00+08:00", "recipient_local_time": True},
        }
    )


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


async def run_one(size: int, admin_url: str) -> dict[str, float | int]:
    url = await create_database(admin_url, f"bench_{uuid.uuid4().hex[:8]}")
    db = Database()
    db.attach(await create_pool(url, max_size=4))
    try:
        await migrate(db.pool, "scheduler", MIGRATIONS)
        await db.pool.execute(FILL, size)
        await db.pool.execute("ANALYZE scheduler.recipients")
        now = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)
        policies = Policies.model_validate({"default": {"rates": {"app_push": 1000}}})
        stores = postgres_stores(db)
        planner = Planner(
            stores.plans,
            stores.audience,
            stores.timers,
            stores.engagement,
            NullBus(),
            lambda: now,
            policies,
            SchedulerMetrics(CollectorRegistry()),
            5000,
            id_key=b"bench-delivery-id-key-0123456789abcdef",
        )
        before = rss_mb()
        started = time.perf_counter()
        await planner.plan(RequestEnvelope(request=request(), trace_id="bench", at=now))
        seconds = time.perf_counter() - started
        timers = await db.pool.fetchval("SELECT count(*) FROM scheduler.timers")
        return {
            "recipients": size,
            "timers": int(timers),
            "seconds": round(seconds, 2),
            "recipients_per_s": round(size / seconds),
            "rss_before_mb": round(before, 1),
            "rss_peak_mb": round(rss_mb(), 1),
        }
    finally:
        await db.pool.close()


async def child(size: int) -> None:
    admin = os.environ.get("DATABASE_URL")
    server = None
    if not admin:
        server = await LocalPostgres().start()
        admin = server.admin_url
    try:
        result = await run_one(size, admin)
    finally:
        if server is not None:
            await server.stop()
    sys.stdout.write(json.dumps({"bench": "scheduler_expansion", **result}) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--one", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        asyncio.run(child(args.one))
        return
    for size in (int(s) for s in args.sizes.split(",")):
        subprocess.run([sys.executable, __file__, "--one", str(size)], check=True)


if __name__ == "__main__":
    main()
