"""The scheduler's own CPU per recipient on its plan and release paths, and what the
cyclic garbage collector takes of it, with the startup heap frozen or not.

    DATABASE_URL=... python bench/scheduler_release.py [--recipients 10000] [--rounds 3]

The real Planner and Releaser (the integration tests' harness: Postgres, a fake event
bus that packs and encodes the batches as the real one does) plan one request to N
recipients and release it all, in rounds that alternate `gc.freeze()` of the heap the
process holds before the round (herald.runtime.heap: what a service does once started)
and no freeze. Process time, so a busy machine stretches it less than wall time; each
variant's best round. Not in `make bench`.
"""

import argparse
import asyncio
import gc
import os
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.integration.scheduler.harness import Harness, copy_recipients
from tests.support.scheduler import Clock, push_request

from bench.common import emit, machine
from herald.devstack.postgres import create_database
from herald.scheduler.domain.policy import Policies

START = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)


class CollectorTime:
    """Process time spent in the cyclic collector (gc.callbacks)."""

    def __init__(self) -> None:
        self.seconds, self.runs, self._at = 0.0, 0, 0.0
        gc.callbacks.append(self._on)

    def _on(self, phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            self._at = time.process_time()
        else:
            self.seconds += time.process_time() - self._at
            self.runs += 1


async def one_round(h: Harness, n: int, tag: str, gc_time: CollectorTime) -> dict[str, float]:
    req = push_request(tag, {"segment": {"tags_all": ["pg"]}}, category="notification")
    began = time.process_time()
    await h.plan(req)
    planned = time.process_time()
    gc_before = gc_time.seconds
    assert await h.release() == n
    released = time.process_time()
    h.events.published.clear()
    return {
        "plan_us": (planned - began) / n * 1e6,
        "release_us": (released - planned) / n * 1e6,
        "release_gc_us": (gc_time.seconds - gc_before) / n * 1e6,
    }


async def main(args: argparse.Namespace) -> None:
    n = args.recipients
    url = await create_database(os.environ["DATABASE_URL"], f"bench_rel_{uuid.uuid4().hex[:6]}")
    h = await Harness(Clock(START), Policies(), batch=1000).start(url)
    gc_time = CollectorTime()
    best: dict[bool, dict[str, float]] = {}
    try:
        await copy_recipients(url, "acme", [f"s-{i:07}" for i in range(n)], ["pg"])
        for r in range(args.rounds * 2):
            frozen = r % 2 == 1
            gc.collect()
            if frozen:
                gc.freeze()
            got = await one_round(h, n, f"rel-{r}", gc_time)
            heap = len(gc.get_objects())
            gc.unfreeze()
            if frozen not in best or got["release_us"] < best[frozen]["release_us"]:
                best[frozen] = got | {"tracked_objects": heap}
    finally:
        await h.stop()
    for frozen, figures in best.items():
        emit(
            "scheduler_release",
            recipients=n,
            heap_frozen=frozen,
            **{k: round(v, 1) for k, v in figures.items()},
            **machine(),
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    asyncio.run(main(parser.parse_args()))
