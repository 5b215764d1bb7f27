"""A single push's latency through the whole stack, hop by hop (issue 17, item 4).

    python bench/latency.py [--rates 10,50] [--seconds 20] [--env KEY=VALUE ...]

Starts the stack (Tansu, Postgres, five services), loads 50 recipients whose only
contact is a webhook to a sink in this process, then submits single immediate pushes
(one recipient each) at a steady rate over HTTP. For every push it records when it was
submitted, when each internal event about it was written (the Kafka record's timestamp,
which its producer sets at `send`), and when the webhook reached the sink:

    intake      submission (HTTP)          -> push.accepted.v1 written
    review      push.accepted.v1 written   -> push.approved.v1 written
    plan        push.approved.v1 written   -> `scheduled` on push.status.v1
    release     `scheduled`                -> the send on push.sends.v1
    dispatch    the send on push.sends.v1  -> the webhook at the sink
    total       submission                 -> the webhook at the sink

Each hop that crosses Kafka includes its consumer's fetch wait (see
herald.runtime.fetching). One line per rate: p50 and p99 of each hop and of the total,
and the CPU the stack spent per push (its services, its broker, its Postgres backends).
`--idle-seconds` (10 by default, 0 to skip) first measures what the idle stack burns
(empty fetches), the price of a short fetch wait; each rate's line then also gives the
CPU per push net of that idle rate over its window (`net_cpu_ms_per_push_by`): a
backlog stretches the window, and the idle polling with it, so the net figure is the
work a push costs each service.
`--env` passes settings to every service (e.g. KAFKA_FETCH_MAX_WAIT_MS=500 to measure the
old default). Nothing here is a timed assertion.
"""

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.sink import HttpSink

from bench import cpu
from bench.common import emit, machine
from bench.pipeline import load_recipients, request, start_services
from herald.devstack.ports import free_port
from herald.devstack.stack import SERVICE_PORTS, Stack

HOPS = ("intake", "review", "plan", "release", "dispatch", "total")


@dataclass
class Marks:
    """Wall-clock seconds at which each step of each request happened."""

    at: dict[str, dict[str, float]] = field(default_factory=dict)

    def mark(self, rid: str, step: str, t: float) -> None:
        self.at.setdefault(rid, {}).setdefault(step, t)


Marker = Callable[[Marks, str, bytes | None, bytes | None, float], None]
"""Marks one record: (marks, step, key, value, its time in s)."""


async def watch(
    bootstrap: str, topics: dict[str, str], marks: Marks, mark: Marker | None = None
) -> None:
    """Every record on the watched topics, from their end: the step it marks, by request
    (`mark`, or this module's reading of each step's records)."""
    mark = mark or _mark
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=5
    )
    await consumer.start()
    try:
        tps = []
        for name in topics:
            parts = consumer.partitions_for_topic(name)
            while not parts:
                await consumer._client.force_metadata_update()
                parts = consumer.partitions_for_topic(name)
            tps += [TopicPartition(name, p) for p in parts]
        consumer.assign(tps)
        await consumer.seek_to_end(*tps)
        while True:
            for tp, records in (await consumer.getmany(timeout_ms=100)).items():
                step = topics[tp.topic]
                for r in records:
                    mark(marks, step, r.key, r.value, r.timestamp / 1000)
    finally:
        await consumer.stop()


def _mark(marks: Marks, step: str, key: bytes | None, value: bytes | None, t: float) -> None:
    if step in ("accepted", "approved") and key:
        marks.mark(key.decode(), step, t)
    elif step == "status" and key and value and b'"scheduled"' in value:
        if json.loads(value).get("status") == "scheduled":
            marks.mark(key.decode(), "scheduled", t)
    elif step == "sends" and value:
        marks.mark(json.loads(value)["request_id"], "sent", t)


def own_cpu_s(stack: Stack) -> dict[str, float]:
    """CPU seconds so far of this stack only (the machine is shared)."""
    services = {k: p.process.pid for k, p in stack.services.items() if p.process}
    broker = stack.broker.process if stack.broker else None
    return cpu.stack_snapshot(services, broker.pid if broker else None, stack.database_name)


spent = cpu.spent


def hops(steps: dict[str, float]) -> dict[str, float] | None:
    order = ("submitted", "accepted", "approved", "scheduled", "sent", "delivered")
    if any(s not in steps for s in order):
        return None
    t = [steps[s] for s in order]
    return {
        **{h: (t[i + 1] - t[i]) * 1000 for i, h in enumerate(HOPS[:-1])},
        "total": (t[-1] - t[0]) * 1000,
    }


def quantiles(values: list[float]) -> dict[str, float]:
    v = sorted(values)
    pick = lambda q: round(v[min(len(v) - 1, int(q * len(v)))], 1)  # noqa: E731
    return {"p50": pick(0.5), "p99": pick(0.99)}


async def single_pushes(
    stack: Stack,
    sink: HttpSink,
    marks: Marks,
    tag: str,
    seconds: float,
    rate: float,
    name: str = "lat",
) -> dict[str, Any]:
    offset = time.time() - time.perf_counter()  # sink times are perf_counter
    rids: list[str] = []
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{stack.ports['intake']}", timeout=60
    ) as http:
        headers = {"authorization": f"Bearer {stack.keys['submitter']}"}
        tasks = []
        started = time.perf_counter()
        for i in range(int(seconds * rate)):
            await asyncio.sleep(max(0.0, started + i / rate - time.perf_counter()))
            rid = f"{name}{rate:g}-{tag}-{i}"
            rids.append(rid)
            marks.mark(rid, "submitted", time.time())
            body = request(rid, {"recipients": [f"{tag}-{i % 50}"]}, "webhook")
            tasks.append(asyncio.create_task(http.post("/v1/requests", json=body, headers=headers)))
        answers = await asyncio.gather(*tasks, return_exceptions=True)
        failed = sum(1 for a in answers if isinstance(a, BaseException) or a.status_code >= 300)
        deadline = time.perf_counter() + 60
        wanted = set(rids)
        while time.perf_counter() < deadline:
            for r in sink.received:
                if r.path == "/lat":
                    rid = json.loads(r.body)["request_id"]
                    if rid in wanted:
                        marks.mark(rid, "delivered", r.at + offset)
            if all("delivered" in marks.at.get(r, {}) for r in rids):
                break
            await asyncio.sleep(0.2)
    await asyncio.sleep(0.5)  # the watcher's last records
    measured = [h for r in rids if (h := hops(marks.at.get(r, {}))) is not None]
    return {
        "requests": len(rids),
        "failed": failed,  # not accepted (on a saturated machine, a dropped connection)
        "measured": len(measured),
        **{h: quantiles([m[h] for m in measured]) for h in HOPS if measured},
    }


async def main(args: argparse.Namespace) -> None:
    info = machine()
    state = Path(tempfile.mkdtemp(prefix="herald-latency-"))
    env = dict(kv.split("=", 1) for kv in args.env)
    stack = Stack(
        state_dir=state,
        ports={n: free_port() for n in SERVICE_PORTS},
        broker_port=free_port(),
        log_dir=state,
        database_name=f"bench_latency_{uuid.uuid4().hex[:6]}",
        extra_env={"LOG_LEVEL": "WARNING", **env},
    )
    sink = await HttpSink().start()
    marks = Marks()
    await stack.start_infrastructure()
    watcher: asyncio.Task[None] | None = None
    try:
        await start_services(stack)
        p = stack.topic_prefix
        topics = {
            p + "push.accepted.v1": "accepted",
            p + "push.approved.v1": "approved",
            p + "push.status.v1": "status",
            p + "push.sends.v1": "sends",
        }
        watcher = asyncio.create_task(watch(stack.bootstrap, topics, marks))
        tag = f"l{uuid.uuid4().hex[:6]}"
        await load_recipients(stack, tag, 50, sink.url("/lat"))
        await single_pushes(stack, sink, marks, tag, 3, 5, "warm")  # every path once
        idle: dict[str, float] = {}
        if args.idle_seconds:
            before = own_cpu_s(stack)
            await asyncio.sleep(args.idle_seconds)
            used = spent(before, own_cpu_s(stack))
            idle = {k: v / args.idle_seconds for k, v in used.items()}
            emit(
                "idle_cpu",
                seconds=args.idle_seconds,
                cores={k: round(v, 3) for k, v in idle.items()},
                total_cores=round(sum(idle.values()), 3),
                env=env,
                **info,
            )
        for rate in args.rates:
            before, t0 = own_cpu_s(stack), time.perf_counter()
            figures = await single_pushes(stack, sink, marks, tag, args.seconds, rate)
            window = time.perf_counter() - t0
            used = spent(before, own_cpu_s(stack))
            n = max(1, figures["requests"])
            # the window stretches with a backlog, and the idle stack's polling with it:
            # net of what the same processes burn idle, the work per push remains
            net = {k: max(0.0, v - idle.get(k, 0.0) * window) for k, v in used.items()}
            emit(
                "latency_hops_ms",
                rate_per_s=rate,
                cpu_ms_per_push=round(sum(used.values()) / n * 1000, 1),
                cpu_ms_per_push_by={k: round(v / n * 1000, 2) for k, v in used.items()},
                net_cpu_ms_per_push=round(sum(net.values()) / n * 1000, 1) if idle else None,
                net_cpu_ms_per_push_by={k: round(v / n * 1000, 2) for k, v in net.items()},
                cpu_window_s=round(window, 1),
                load_avg=os.getloadavg()[0],
                env=env,
                **figures,
                **info,
            )
    finally:
        if watcher is not None:
            watcher.cancel()
        await stack.stop()
        await sink.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument(
        "--rates", type=lambda v: [float(x) for x in v.split(",")], default=[10.0, 50.0]
    )
    parser.add_argument("--idle-seconds", type=float, default=10.0)
    parser.add_argument("--env", action="append", default=[], help="KEY=VALUE for every service")
    asyncio.run(main(parser.parse_args()))
