"""dispatcher_backlog: the dispatcher alone, its sends topic holding a backlog it cannot
keep up with (as when the scheduler releases faster than it sends: issue 17).

N sends (SMS on the `log` provider, packed as the scheduler packs them) are published
on push.sends.v1 before the dispatcher starts; then the dispatcher runs them all. The
figure is the time from its readiness to the last delivery recorded, beside its peak
RSS (VmHWM) and its RSS sampled every second: what the dispatcher holds while a backlog
waits depends on how much of it it takes in at once, not on the backlog's size.
Not in `make bench`: `python bench/dispatcher_backlog.py --sends 200000`
(`--trace-memory`: the dispatcher logs its top allocations, herald.runtime.memtrace).
"""

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from prometheus_client import CollectorRegistry

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import emit, machine, peak_rss_mib
from herald.contracts import Topic
from herald.contracts.internal import Send
from herald.devstack.keys import ensure_record_keys
from herald.devstack.ports import free_port
from herald.devstack.stack import SERVICE_PORTS, ServiceProcess, Stack
from herald.runtime.events import KafkaEventBus
from herald.runtime.provenance import RecordSigner
from herald.runtime.record_keys import parse_record_keys

TEXT = "Herald bench: your parcel is on its way. Reply TD to unsubscribe."


def sends(tenant: str, request_id: str, start: int, count: int) -> list[Send]:
    base = {
        "request_id": request_id,
        "tenant": tenant,
        "department": "ops",
        "category": "notification",
        "priority": "normal",
        "channels": ("sms",),
        "content": {"title": "Herald", "body": TEXT},
        "due_at": datetime.now(UTC).isoformat(),
    }
    return [
        Send.model_validate(
            {
                **base,
                "delivery_id": f"{request_id}-{i}",
                "recipient_id": f"u-{i}",
                "contacts": {"phone": f"+86138{i:08d}"},
            }
        )
        for i in range(start, start + count)
    ]


async def publish_backlog(stack: Stack, n: int) -> str:
    keys = parse_record_keys(ensure_record_keys(stack.state_dir))
    bus = KafkaEventBus(
        stack.bootstrap,
        client_id="bench-backlog",
        registry=CollectorRegistry(),
        signer=RecordSigner.herald(keys),
        topic_prefix=stack.topic_prefix,
    )
    await bus.start()
    request_id = f"backlog-{uuid.uuid4().hex[:8]}"
    try:
        for start in range(0, n, 5_000):
            await bus.publish_batched(
                Topic.SENDS, sends(stack.tenant, request_id, start, min(5_000, n - start))
            )
    finally:
        await bus.stop()
    return request_id


async def recorded(database_url: str, request_id: str) -> int:
    conn = await asyncpg.connect(database_url)
    try:
        query = "SELECT count(*) FROM dispatcher.deliveries WHERE request_id = $1"
        return int(await conn.fetchval(query + " AND outcome IS NOT NULL", request_id))
    finally:
        await conn.close()


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    return 0.0


async def main(args: argparse.Namespace) -> None:
    info = machine()
    state = Path(tempfile.mkdtemp(prefix="herald-backlog-"))
    sys.stderr.write(f"logs in {state}\n")
    trace = {"MEMORY_TRACE_FRAMES": "6", "MEMORY_TRACE_EVERY_S": "10"} if args.trace_memory else {}
    stack = Stack(
        state_dir=state,
        ports={n: free_port() for n in SERVICE_PORTS},
        broker_port=free_port(),
        log_dir=state,
        database_name=f"bench_backlog_{uuid.uuid4().hex[:6]}",
        extra_env={"LOG_LEVEL": "WARNING", "MAX_IN_FLIGHT": "32", **trace},
    )
    await stack.start_infrastructure()
    proc: ServiceProcess | None = None
    try:
        request_id = await publish_backlog(stack, args.sends)
        env = stack.service_env("dispatcher") | dict(kv.split("=", 1) for kv in args.env)
        proc = ServiceProcess(
            "dispatcher", stack.ports["dispatcher"], env, state / "dispatcher.log"
        )
        await proc.start()
        await proc.wait_ready(300)
        assert proc.process is not None
        pid, t0, samples, done = proc.process.pid, time.perf_counter(), [], 0
        while done < args.sends:
            await asyncio.sleep(1.0)
            samples.append(rss_mib(pid))
            done = await recorded(stack.database_url, request_id)
        seconds = time.perf_counter() - t0
        emit(
            "dispatcher_backlog",
            sends=args.sends,
            seconds=round(seconds, 1),
            per_s=round(args.sends / seconds),
            peak_rss_mib=peak_rss_mib(pid),
            rss_mib_each_10s=samples[::10],
            env=args.env,
            **info,
        )
    finally:
        if proc is not None:
            await proc.stop()
        await stack.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--sends", type=int, default=200_000)
    parser.add_argument("--env", action="append", default=[], help="KEY=VALUE for the dispatcher")
    parser.add_argument("--trace-memory", action="store_true")
    asyncio.run(main(parser.parse_args()))
