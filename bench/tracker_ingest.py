"""Tracker's ingestion into Postgres next to a bare asyncpg COPY of the same rows.

    uv run --frozen python bench/tracker_ingest.py [--events 100000] [--batch 500]

Prints one JSON line per measurement, then one with the ratios. "tracker" runs tracker's
own service layer (`Tracker.on_outcomes` / `on_engagement`: staging COPY, dedupe, merge
into the partitioned ledger, bookkeeping, metrics) batch by batch as its consumers
would; "bare_copy" is `copy_records_to_table` of the same rows, batch by batch, into an
unindexed table of the same columns. Kafka is not part of either. Uses DATABASE_URL's
server if set, otherwise a throwaway local Postgres.
"""

import argparse
import asyncio
import json
import os
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from prometheus_client import CollectorRegistry

from herald.contracts import Engagement, EngagementKind, Topic
from herald.contracts.internal import Outcome, OutcomeKind
from herald.devstack.postgres import LocalPostgres, create_database
from herald.runtime.db import Database, create_pool, migrate
from herald.runtime.events import Item, Value
from herald.tracker.adapters.postgres.ingest import (
    ENGAGEMENT_COLUMNS,
    OUTCOME_COLUMNS,
    engagement_record,
    outcome_record,
)
from herald.tracker.adapters.postgres.ledger import Ledger
from herald.tracker.adapters.postgres.partitions import PartitionKeeper, Retention
from herald.tracker.manifest import MANIFEST
from herald.tracker.metrics import TrackerMetrics
from herald.tracker.tracking import Tracker

NOW = datetime.now(UTC)
BARE = {
    "outcomes": """CREATE TABLE bench_outcomes (delivery_id text, tenant text, request_id text,
        department text, recipient_id text, outcome text, channel text, provider text,
        reason text, detail text, at timestamptz, deferred text[], requested_at timestamptz)""",
    "engagement": """CREATE TABLE bench_engagement (event_id text, delivery_id text,
        kind text, at timestamptz, url text, tenant text)""",
}


Row = tuple[object, ...]
Ingest = Callable[[Any], Awaitable[None]]


class NullEvents:
    started = True

    async def publish(
        self, topic: Topic, key: str, value: Value, headers: dict[str, str] | None = None
    ) -> None:
        return None

    async def publish_many(
        self, topic: Topic, items: Sequence[Item], headers: dict[str, str] | None = None
    ) -> None:
        return None


def outcomes(n: int, run: str) -> list[Outcome]:
    return [
        Outcome(
            delivery_id=f"d-{run}-{i}",
            request_id=f"r-{run}-{i // 1000}",
            tenant="acme",
            department="marketing",
            recipient_id=f"u-{i}",
            outcome=OutcomeKind.DELIVERED,
            channel="sms",
            provider="log",
            at=NOW - timedelta(seconds=n - i),
        )
        for i in range(n)
    ]


def engagement(n: int, run: str) -> list[Engagement]:
    kinds = (EngagementKind.OPENED, EngagementKind.CLICKED, EngagementKind.READ)
    return [
        Engagement(
            event_id=f"e-{run}-{i}",
            delivery_id=f"d-{run}-{i // 2}",
            kind=kinds[i % 3],
            at=NOW - timedelta(seconds=n - i),
            url="https://shop.example.com/winter",
            tenant="acme" if i % 2 else None,  # an app's report, or Herald's own
        )
        for i in range(n)
    ]


def outcome_row(o: Outcome) -> Row:
    """The row bare COPY writes: an outcome, with its own time as its request's."""
    return outcome_record(o, o.at)


def batches(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


async def timed(parts: Sequence[Sequence[Any]], write: Callable[[Any], Awaitable[Any]]) -> float:
    started = time.perf_counter()
    for part in parts:
        await write(part)
    return time.perf_counter() - started


def bare_copy(
    pool: asyncpg.Pool, table: str, columns: Sequence[str]
) -> Callable[[list[tuple[object, ...]]], Awaitable[None]]:
    async def copy(part: list[tuple[object, ...]]) -> None:
        await pool.copy_records_to_table(table, records=part, columns=columns)

    return copy


def line(**fields: Any) -> None:
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


async def measure(pool: asyncpg.Pool, tracker: Tracker, n: int, size: int) -> None:
    run = uuid.uuid4().hex[:8]
    plan: dict[str, tuple[Sequence[Any], Ingest, Callable[[Any], Row], Sequence[str]]] = {
        "outcomes": (outcomes(n, run), tracker.on_outcomes, outcome_row, OUTCOME_COLUMNS),
        "engagement": (
            engagement(n, run),
            tracker.on_engagement,
            engagement_record,
            ENGAGEMENT_COLUMNS,
        ),
    }
    ratios: dict[str, float] = {}
    for topic, (items, ingest, record, columns) in plan.items():
        parts = batches(items, size)
        ours = await timed(parts, ingest)
        await pool.execute(BARE[topic])
        rows = [[record(x) for x in part] for part in parts]

        bare = await timed(rows, bare_copy(pool, f"bench_{topic}", columns))
        for path, seconds in (("tracker", ours), ("bare_copy", bare)):
            line(bench="tracker_ingest", topic=topic, path=path, events=n, batch=size,
                 seconds=round(seconds, 3), events_per_s=round(n / seconds))  # fmt: skip
        ratios[topic] = round(bare / ours, 3)
    line(bench="tracker_ingest", ratio_tracker_to_bare_copy=ratios)


async def main(n: int, size: int) -> None:
    server = None
    admin = os.environ.get("DATABASE_URL")
    if not admin:
        server = await LocalPostgres().start()
        admin = server.admin_url
    url = await create_database(admin, f"bench_{uuid.uuid4().hex[:8]}")
    pool = await create_pool(url, max_size=2)
    try:
        assert MANIFEST.migrations is not None
        await migrate(pool, "tracker", MANIFEST.migrations)
        db = Database()
        db.attach(pool)
        metrics = TrackerMetrics(CollectorRegistry(), {"acme"})
        keeper = PartitionKeeper(db, Retention(395, 2), lambda: NOW, metrics)
        tracker = Tracker(Ledger(db), keeper, NullEvents(), metrics, lambda: NOW)
        await measure(pool, tracker, n, size)
    finally:
        await pool.close()
        if server is not None:
            await server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp")
    asyncio.run(main(args.events, args.batch))
