"""How long the scheduler's plan and release steps hold the event loop, in CPU time
(issue 21): a task asks to wake every millisecond while the real Planner and Releaser
(the integration tests' harness: Postgres, a fake event bus that packs and encodes as
the real one does) plan one marketing request to N recipients (`EXPAND_CHUNK` 5,000)
and release it (1,000 per round). Each gap between its wake-ups is measured in this
process's CPU time, so a busy machine (other processes' CPU) does not count: what is
left is how long one step ran before the loop got a chance.

    DATABASE_URL=... python bench/loop_hold.py [--recipients 10000] [--gc]

`--gc` leaves the cyclic collector on (its full collections hold the loop too; a
service freezes its startup heap, this process does not). Not in `make bench`.
"""

import argparse
import asyncio
import gc
import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.integration.scheduler.harness import Harness, copy_recipients
from tests.support.scheduler import Clock, push_request

from bench.common import emit, machine
from bench.scheduler_release import START
from herald.devstack.postgres import create_database
from herald.scheduler.domain.policy import Policies


class Ticker:
    """Wakes every millisecond; records the CPU time this process spent in between."""

    def __init__(self) -> None:
        self.gaps: list[float] = []

    async def run(self) -> None:
        while True:
            before = time.process_time()
            await asyncio.sleep(0.001)
            self.gaps.append(time.process_time() - before)

    def take(self) -> dict[str, float]:
        gaps, self.gaps = sorted(self.gaps), []
        return {
            "wakeups": len(gaps),
            "max_ms": round(gaps[-1] * 1000, 1),
            "p99_ms": round(gaps[int(len(gaps) * 0.99)] * 1000, 1),
            "over_20ms": sum(g > 0.02 for g in gaps),
            "over_5ms": sum(g > 0.005 for g in gaps),
        }


async def main(args: argparse.Namespace) -> None:
    if not args.gc:
        gc.disable()
    url = await create_database(os.environ["DATABASE_URL"], f"bench_hold_{uuid.uuid4().hex[:6]}")
    h = await Harness(Clock(START), Policies(), batch=1000).start(url)
    h.planner._chunk = 5000  # the service's EXPAND_CHUNK
    try:
        await copy_recipients(url, "acme", [f"s-{i:07}" for i in range(args.recipients)], ["pg"])
        ticker = Ticker()
        task = asyncio.create_task(ticker.run())
        req = push_request("hold", {"segment": {"tags_all": ["pg"]}}, category="marketing")
        await h.plan(req)
        plan = ticker.take()
        await h.release()
        release = ticker.take()
        task.cancel()
    finally:
        await h.stop()
    emit("loop_hold_cpu", recipients=args.recipients, gc=args.gc, plan=plan, release=release)
    emit("machine", **machine())


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--gc", action="store_true")
    asyncio.run(main(parser.parse_args()))
