"""The scheduler's fixed cost per single push: N one-recipient requests through the
Planner (real Postgres, a fake event bus), CPU and wall per plan, and the statements
sent to Postgres per plan.

    DATABASE_URL=... python bench/planner_single.py [--requests 500] [--profile FILE]

`postgres_cpu_ms_per_plan` is the CPU of the Postgres backends serving the bench's own
database (read from /proc: Postgres must run on this machine). `calls_per_plan` counts
the connection methods that each send one statement (`fetch`, `fetchrow`, `fetchval`,
`execute`; BEGIN, COMMIT and asyncpg's reset on release are `execute`s);
`_get_statement` is a prepared-statement lookup (a round trip only when not cached), and
a server-side cursor's fetches are not counted.
Nothing here is a timed assertion.
"""

import argparse
import asyncio
import cProfile
import os
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.integration.scheduler.harness import Harness
from tests.support.scheduler import Clock, push_request, recipient

from bench import cpu
from bench.common import emit, machine
from herald.scheduler.domain.policy import Policies

_COUNTED = ("fetch", "fetchrow", "fetchval", "execute", "executemany", "_get_statement")


def count_round_trips() -> dict[str, int]:
    """Count calls that reach Postgres (the statement cache's prepare counted apart)."""
    counts: dict[str, int] = {}
    for name in _COUNTED:
        orig = getattr(asyncpg.connection.Connection, name)

        def wrap(orig=orig, name=name):  # type: ignore[no-untyped-def]
            async def counted(self, *a, **kw):  # type: ignore[no-untyped-def]
                counts[name] = counts.get(name, 0) + 1
                return await orig(self, *a, **kw)

            return counted

        setattr(asyncpg.connection.Connection, name, wrap())
    return counts


async def main(args: argparse.Namespace) -> None:
    url = os.environ["DATABASE_URL"]
    db = f"bench_planner_{uuid.uuid4().hex[:6]}"
    admin = await asyncpg.connect(url)
    await admin.execute(f'CREATE DATABASE "{db}"')
    dburl = url.rsplit("/", 1)[0] + "/" + db
    try:
        clock = Clock(datetime.now(UTC))
        h = await Harness(clock, Policies()).start(dburl)
        await h.add(*[recipient(f"u-{i}") for i in range(50)])
        reqs = [
            push_request(f"warm-{i}", {"recipients": [f"u-{i % 50}"]}, category="alert")
            for i in range(20)
        ]
        for r in reqs:
            await h.plan(r)
        counts = count_round_trips()
        reqs = [
            push_request(f"r-{i}", {"recipients": [f"u-{i % 50}"]}, category="alert")
            for i in range(args.requests)
        ]
        prof = cProfile.Profile() if args.profile else None
        pg0 = cpu.stack_snapshot({}, None, db)["postgres"]
        cpu0, wall0 = time.process_time(), time.perf_counter()
        if prof:
            prof.enable()
        for r in reqs:
            await h.plan(r)
        if prof:
            prof.disable()
            prof.dump_stats(args.profile)
        used, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        pg = cpu.stack_snapshot({}, None, db)["postgres"] - pg0
        n = args.requests
        emit(
            "planner_single",
            requests=n,
            cpu_ms_per_plan=round(used / n * 1000, 2),
            postgres_cpu_ms_per_plan=round(pg / n * 1000, 2),
            wall_ms_per_plan=round(wall / n * 1000, 2),
            calls_per_plan={k: round(v / n, 2) for k, v in sorted(counts.items())},
            load_avg=os.getloadavg()[0],
            **machine(),
        )
        await h.stop()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--profile", default="")
    asyncio.run(main(parser.parse_args()))
