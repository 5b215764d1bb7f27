"""Postgres per recipient on each service's write path, without the rest of the stack
(issue 17 item 3): the scheduler planning and releasing N recipients, the dispatcher's
ledger claiming and finishing N sends, tracker merging N outcomes, each on its own fresh
database, with the CPU of that database's backends (bench/cpu.py), this process's own
CPU and the rows written (bench/pg_writes.py), per recipient. CPU time, not wall time:
a loaded machine stretches the run but not (much) these figures.

    DATABASE_URL=... python bench/pg_paths.py [--recipients 10000] [--batch 500]
        [--paths scheduler dispatcher tracker]

Tracker's path is two: merging N outcomes, then N engagement events for them (each
finds its delivery's tenant and request).
"""

import argparse
import asyncio
import os
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.integration.scheduler.harness import Harness, copy_recipients
from tests.integration.tracker.builders import event, outcome, scheduled
from tests.integration.tracker.harness import build_ledgered
from tests.support.scheduler import Clock, push_request
from tests.unit.dispatcher.builders import send

from bench import cpu, pg_writes
from bench.common import emit, machine
from herald.contracts import Channel
from herald.contracts.internal import OutcomeKind
from herald.devstack.postgres import create_database
from herald.dispatcher.adapters.postgres import PgLedger
from herald.dispatcher.domain import outcomes
from herald.dispatcher.manifest import MANIFEST as DISPATCHER
from herald.runtime.db import Database, create_pool, migrate
from herald.scheduler.domain.policy import Policies
from herald.tracker.manifest import MANIFEST as TRACKER
from herald.tracker.ports import Expected

START = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)


async def measure(
    name: str, url: str, db: str, n: int, work: Callable[[], Awaitable[None]]
) -> None:
    rows = await pg_writes.snapshot(url, settle=True)
    before, mine = cpu.stack_snapshot({}, None, db)["postgres"], time.process_time()
    await work()
    own = time.process_time() - mine
    used = cpu.stack_snapshot({}, None, db)["postgres"] - before
    moved = pg_writes.per_recipient(rows, await pg_writes.snapshot(url, settle=True), n)
    emit(
        "pg_path",
        path=name,
        recipients=n,
        postgres_us_per_recipient=round(used / n * 1e6),
        client_us_per_recipient=round(own / n * 1e6),
        **moved,
        **machine(),
    )


async def scheduler(admin: str, n: int) -> None:
    db = f"bench_pgs_{uuid.uuid4().hex[:6]}"
    url = await create_database(admin, db)
    h = await Harness(Clock(START), Policies(), batch=1000).start(url)
    try:
        await copy_recipients(url, "acme", [f"s-{i:07}" for i in range(n)], ["pg"])
        req = push_request("pgs", {"segment": {"tags_all": ["pg"]}}, category="notification")

        async def work() -> None:
            await h.plan(req)
            assert await h.release() == n

        await measure("scheduler plan + release", url, db, n, work)
    finally:
        await h.stop()


async def dispatcher(admin: str, n: int, batch: int) -> None:
    db = f"bench_pgd_{uuid.uuid4().hex[:6]}"
    url = await create_database(admin, db)
    pool = await create_pool(url, max_size=2)
    try:
        assert DISPATCHER.migrations is not None
        await migrate(pool, "dispatcher", DISPATCHER.migrations)
        store = Database()
        store.attach(pool)
        ledger = PgLedger(store)
        sends = [send(f"d-{i:07}") for i in range(n)]

        async def work() -> None:
            for i in range(0, n, batch):
                part = sends[i : i + batch]
                await ledger.claim(part)
                done = outcomes.outcome  # the dispatcher's own outcome builder
                await ledger.finish(
                    [done(s, OutcomeKind.SENT, START, channel=Channel.SMS) for s in part]
                )

        await measure("dispatcher claim + finish", url, db, n, work)
    finally:
        await pool.close()


async def tracker(admin: str, n: int, batch: int) -> None:
    db = f"bench_pgt_{uuid.uuid4().hex[:6]}"
    url = await create_database(admin, db)
    pool = await create_pool(url, max_size=4)
    try:
        assert TRACKER.migrations is not None
        await migrate(pool, "tracker", TRACKER.migrations)
        t = build_ledgered(pool)
        await t.tracker.on_statuses([Expected(scheduled("pgt", n))])
        items = [outcome("pgt", i) for i in range(n)]

        async def work() -> None:
            for i in range(0, n, batch):
                await t.tracker.on_outcomes(items[i : i + batch])

        await measure("tracker outcomes", url, db, n, work)
        events = [event("pgt", i, "delivered") for i in range(n)]

        async def engage() -> None:  # each event finds its delivery (tenant, request)
            for i in range(0, n, batch):
                assert await t.tracker.on_engagement(events[i : i + batch]) == []

        await measure("tracker engagement", url, db, n, engage)
    finally:
        await pool.close()


async def main(args: argparse.Namespace) -> None:
    admin = os.environ["DATABASE_URL"]
    if "scheduler" in args.paths:
        await scheduler(admin, args.recipients)
    if "dispatcher" in args.paths:
        await dispatcher(admin, args.recipients, args.batch)
    if "tracker" in args.paths:
        await tracker(admin, args.recipients, args.batch)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--paths", nargs="+", default=["scheduler", "dispatcher", "tracker"])
    asyncio.run(main(parser.parse_args()))
