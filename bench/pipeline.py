"""End-to-end figures of the whole stack (issue 9), each beside a bare baseline run here.

    python bench/pipeline.py [--recipients 100000] [--webhooks 20000] [--latency-seconds 20]

1. pipeline throughput: one request to N recipients on the `log` provider, from
   submission until tracker has every outcome in Postgres; baseline: aiokafka producing
   and consuming N messages of a send's size through the same broker;
2. webhook fan-out to a local sink, beside httpx posting as many requests to the same
   sink with the same concurrency (the dispatcher's MAX_IN_FLIGHT and its webhook
   provider's `concurrency` are set to --concurrency; the provider's default is 32). The
   sink is bench/fast_sink.py, in its own process, so the figure is the clients' own;
   its ceiling (raw asyncio clients) and the repeated delivery ids it saw are reported;
3. latency of single immediate pushes at a steady 50 requests/s, submission to the
   in-process HttpSink (it records each arrival's time);
4. peak memory of each service;
5. where the cores went during (1): CPU seconds of each service, the broker and Postgres
   (bench/cpu.py), per recipient, and the rate those costs allow on this machine's cores
   (`cpu_ceiling_per_s`): the pipeline cannot beat it however it overlaps its stages.
"""

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.kafka import TopicWatcher
from tests.support.sink import HttpSink

from bench import cpu, pg_writes
from bench.common import emit, machine, peak_rss_mib
from bench.fast_sink import FastSink, ceiling
from herald.devstack.ports import free_port
from herald.devstack.stack import SERVICE_PORTS, ServiceProcess, Stack
from herald.runtime.provenance import RecordSigner

SEND_SIZE = 700  # bytes: about what one Send message weighs


async def bare_broker(bootstrap: str, n: int) -> float:
    """aiokafka alone: produce n messages (batched) and consume them all; messages/s."""
    topic = f"bench.bare.{uuid.uuid4().hex[:6]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    await admin.create_topics([NewTopic(topic, 8, 1)])
    await admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, max_batch_size=1 << 20)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await producer.start()
    await consumer.start()
    value = b"x" * SEND_SIZE
    started = time.perf_counter()
    futures = [await producer.send(topic, value, key=str(i).encode()) for i in range(n)]
    await asyncio.gather(*futures)
    tps = [TopicPartition(topic, p) for p in range(8)]
    consumer.assign(tps)
    await consumer.seek_to_beginning(*tps)
    got = 0
    while got < n:
        for records in (await consumer.getmany(timeout_ms=200, max_records=5000)).values():
            got += len(records)
    elapsed = time.perf_counter() - started
    await producer.stop()
    await consumer.stop()
    return n / elapsed


def recipient(rid: str, tag: str, hook: str | None) -> bytes:
    contacts: dict[str, Any] = {"phone": "+8613800000000"}
    if hook:
        contacts["webhook"] = hook
    return json.dumps(
        {
            "recipient_id": rid,
            "tenant": "acme",
            "timezone": "Asia/Shanghai",
            "contacts": contacts,
            "tags": [tag],
            "consent": {"marketing": True},
        }
    ).encode()


def request(rid: str, audience: dict[str, Any], channel: str) -> dict[str, Any]:
    return {
        "request_id": rid,
        "tenant": "acme",
        "requester": {"department": "marketing", "user": "li.wei"},  # the dev submitter key
        "goal": "benchmark",
        "category": "notification",
        "channels": [channel],
        "content": {"title": "Herald benchmark", "body": "【Herald】Measuring the pipeline."},
        "audience": audience,
    }


async def load_recipients(stack: Stack, tag: str, n: int, hook: str | None) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=stack.bootstrap,
        linger_ms=10,
        max_batch_size=1 << 20,
        request_timeout_ms=120_000,
    )
    await producer.start()
    topic = stack.topic_prefix + "push.recipients.v1"
    assert stack.producer is not None, "the devstack writes a producer credential"
    signer = RecordSigner.from_text(stack.producer.id, stack.producer.secret)
    futures = []
    for i in range(n):
        key, value = f"{tag}-{i}".encode(), recipient(f"{tag}-{i}", tag, hook)
        headers = signer.headers("push.recipients.v1", key, value)  # as any upstream signs
        futures.append(await producer.send(topic, value, key=key, headers=headers))
        if len(futures) >= 20_000:  # a million unacknowledged sends time out on a busy broker
            await asyncio.gather(*futures)
            futures.clear()
    await asyncio.gather(*futures)
    await producer.stop()
    conn = await asyncpg.connect(stack.database_url)
    try:
        while (
            await conn.fetchval(
                "SELECT count(*) FROM scheduler.recipients WHERE tags @> $1::text[]", [tag]
            )
            < n
        ):
            await asyncio.sleep(0.5)
    finally:
        await conn.close()


async def run_to_completion(stack: Stack, status: TopicWatcher, body: dict[str, Any]) -> float:
    """Submit; return the seconds until the request's `completed` status."""
    rid = body["request_id"]
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{stack.ports['intake']}") as http:
        started = time.perf_counter()
        r = await http.post(
            "/v1/requests",
            json=body,
            headers={"authorization": f"Bearer {stack.keys['submitter']}"},
        )
        r.raise_for_status()
    while not any(s.json()["status"] == "completed" for s in status.for_key(rid)):
        await asyncio.sleep(0.05)
    return time.perf_counter() - started


async def stage_times(stack: Stack, rid: str) -> dict[str, float]:
    """Seconds from submission start to the first and last event of each stage."""
    conn = await asyncpg.connect(stack.database_url)
    try:
        row = await conn.fetchrow(
            """SELECT (SELECT created_at FROM intake.requests WHERE request_id = $1) AS submitted,
                      (SELECT min(released_at) FROM scheduler.released) AS first_release,
                      (SELECT max(released_at) FROM scheduler.released) AS last_release,
                      (SELECT min(created_at) FROM dispatcher.deliveries WHERE request_id = $1)
                          AS first_dispatch,
                      (SELECT max(updated_at) FROM dispatcher.deliveries WHERE request_id = $1)
                          AS last_dispatch,
                      (SELECT finalized_at FROM tracker.requests WHERE request_id = $1)
                          AS completed""",
            rid,
        )
    finally:
        await conn.close()
    start = row["submitted"]
    return {
        k: round((v - start).total_seconds(), 2)
        for k, v in dict(row).items()
        if v and k != "submitted"
    }


def hook_body(delivery_id: str, i: int) -> bytes:
    """A body of the size Herald's webhook provider posts (its payload's fields)."""
    return json.dumps(
        {
            "delivery_id": delivery_id,
            "request_id": f"bare-{i}",
            "tenant": "acme",
            "recipient_id": f"bare-{i}",
            "title": "Herald benchmark",
            "body": "【Herald】Measuring the pipeline.",
            "url": None,
            "labels": {},
        },
        ensure_ascii=False,
    ).encode()


async def bare_http(url: str, n: int, concurrency: int) -> float:
    """httpx alone posting n webhooks, `concurrency` at a time; requests/s.

    Its client is built as the dispatcher builds its own (dispatcher/main.py): one
    AsyncClient, HTTP/1.1 (no http2), `Limits(max_connections=concurrency)` (keep-alive
    pool unbounded), the provider timeout (10 s). Each request carries what the webhook
    provider sends: a JSON body of the same fields, content-type, x-herald-delivery-id,
    idempotency-key and a signature header (fixed: signing is Herald's own work). So the
    ratio Herald / this compares the dispatcher's whole path (Kafka in, ledger, gates,
    signing, status out) against the bare HTTP posts it has to make. No retries: a
    transport error fails the run.
    """
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=10.0) as client:
        slots = asyncio.Semaphore(concurrency)

        async def one(i: int) -> None:
            delivery_id = f"bare-{uuid.uuid4()}"
            body = hook_body(delivery_id, i)
            headers = {
                "content-type": "application/json",
                "x-herald-delivery-id": delivery_id,
                "idempotency-key": delivery_id,
                "x-herald-signature": "t=0,v1=" + "0" * 64,
            }
            async with slots:
                r = await client.post(url, content=body, headers=headers)
                r.raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(n)))
        return n / (time.perf_counter() - started)


async def webhook_fanout(
    stack: Stack,
    status: TopicWatcher,
    sink: FastSink,
    w: int,
    concurrency: int,
    info: dict[str, Any],
) -> None:
    """Herald posting w webhooks, then bare httpx posting w, then the sink's ceiling.

    per_s runs from submission to the request's `completed` status (the whole pipeline);
    sink_window_per_s is the rate between the first and the last webhook the sink got.
    """
    wtag = f"w{uuid.uuid4().hex[:6]}"
    await load_recipients(stack, wtag, w, sink.url("/hook"))
    seconds = await run_to_completion(
        stack, status, request(f"hook-{wtag}", {"segment": {"tags_all": [wtag]}}, "webhook")
    )
    bare_rate = await asyncio.wait_for(bare_http(sink.url("/bare"), w, concurrency), 300)
    sink_ceiling = await ceiling(sink.url("/ceiling"), 2.0, concurrency)
    stats = await sink.stats()
    hook, bare = stats["paths"].get("/hook", {}), stats["paths"]["/bare"]
    window = hook.get("last", 0.0) - hook.get("first", 0.0)
    emit(
        "webhook_fanout",
        recipients=w,
        per_s=round(w / seconds),
        sink_window_per_s=round(hook["requests"] / window) if window > 0 else None,
        bare_httpx_per_s=round(bare_rate),
        ratio=round((w / seconds) / bare_rate, 3),
        sink_per_s_ceiling=round(sink_ceiling),
        posted=hook.get("requests", 0),
        delivery_ids=hook.get("delivery_ids", 0),
        repeats=hook.get("repeats", 0),
        bare_repeats=bare["repeats"],
        sink_connections=stats["connections"],
        concurrency=concurrency,
        **info,
    )


async def latency(
    stack: Stack, sink: HttpSink, tag: str, seconds: float, rate: float
) -> dict[str, Any]:
    """Single immediate pushes at a steady rate; submission -> the sink's receipt."""
    submitted: dict[str, float] = {}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{stack.ports['intake']}") as http:
        headers = {"authorization": f"Bearer {stack.keys['submitter']}"}
        count = int(seconds * rate)
        started = time.perf_counter()
        for i in range(count):
            await asyncio.sleep(max(0.0, started + i / rate - time.perf_counter()))
            rid = f"lat{rate:g}-{tag}-{i}"
            submitted[rid] = time.perf_counter()
            body = request(rid, {"recipients": [f"{tag}-{i % 50}"]}, "webhook")
            asyncio.get_running_loop().create_task(
                http.post("/v1/requests", json=body, headers=headers)
            )
        deadline = time.perf_counter() + 60
        while time.perf_counter() < deadline:
            seen = {
                json.loads(r.body)["request_id"] for r in sink.received if r.path.startswith("/lat")
            }
            if len(seen & submitted.keys()) >= count:
                break
            await asyncio.sleep(0.2)
    arrivals: dict[str, float] = {}
    for r in sink.received:
        if r.path.startswith("/lat"):
            arrivals.setdefault(json.loads(r.body)["request_id"], r.at)
    lat = sorted((arrivals[k] - v) * 1000 for k, v in submitted.items() if k in arrivals)
    pick = lambda q: round(lat[min(len(lat) - 1, int(q * len(lat)))], 1) if lat else None  # noqa: E731
    return {
        "requests": count,
        "delivered": len(lat),
        "p50_ms": pick(0.5),
        "p95_ms": pick(0.95),
        "p99_ms": pick(0.99),
        "rate_per_s": rate,
    }


async def start_services(
    stack: Stack, timeout_s: float = 300, only: dict[str, dict[str, str]] | None = None
) -> None:
    """Stack.start_services, with time to start on a machine others are loading too;
    `only` adds environment to one service (e.g. its memory trace)."""
    for name in stack.ports:
        log_file = stack.log_dir / f"{name}.log" if stack.log_dir else None
        env = stack.service_env(name) | (only or {}).get(name, {})
        proc = ServiceProcess(name, stack.ports[name], env, log_file, nice=stack.nice_of(name))
        stack.services[name] = proc
        await proc.start()
    await asyncio.gather(*(p.wait_ready(timeout_s) for p in stack.services.values()))


def memory_trace(service: str) -> dict[str, dict[str, str]]:
    """`--trace-memory dispatcher`: that service logs `memory_top` every 15 s
    (herald.runtime.memtrace; it costs that service CPU, so throughput drops)."""
    if not service:
        return {}
    return {service: {"MEMORY_TRACE_FRAMES": "6", "MEMORY_TRACE_EVERY_S": "15"}}


async def main(args: argparse.Namespace) -> None:
    info = machine()
    state = Path(tempfile.mkdtemp(prefix="herald-bench-"))
    stack = Stack(
        state_dir=state,
        ports={n: free_port() for n in SERVICE_PORTS},
        broker_port=free_port(),
        log_dir=state,
        database_name=f"bench_{uuid.uuid4().hex[:6]}",
        extra_env={
            "LOG_LEVEL": "WARNING",
            "MAX_PAYLOAD_BYTES": str(8 << 20),
            "MAX_IN_FLIGHT": str(args.concurrency),
            "PROVIDERS_JSON": json.dumps(
                {"providers": {"webhook": {"kind": "webhook", "concurrency": args.concurrency}}}
            ),
            **({"PROFILE_DIR": args.profile} if args.profile else {}),
        },
    )
    sink = await HttpSink().start()
    fast = await FastSink().start()
    await stack.start_infrastructure()
    try:
        await start_services(stack, only=memory_trace(args.trace_memory))
        status = await TopicWatcher(stack.bootstrap, stack.topic_prefix + "push.status.v1").start()
        n = args.recipients
        # the rate is a rate: past 200,000 bare messages it only fills the in-memory broker
        bare = await bare_broker(stack.bootstrap, min(n, 200_000))
        tag = f"b{uuid.uuid4().hex[:6]}"
        t0 = time.perf_counter()
        await load_recipients(stack, tag, n, None)
        emit("directory_load", recipients=n, per_s=round(n / (time.perf_counter() - t0)), **info)
        pids = {k: p.process.pid for k, p in stack.services.items() if p.process}
        broker_pid = stack.broker.process.pid if stack.broker and stack.broker.process else None
        writes_before = await pg_writes.snapshot(stack.database_url, settle=True)
        idle_before = cpu.stack_snapshot(pids, broker_pid, stack.database_name)
        await asyncio.sleep(args.idle_seconds)
        cpu_before = cpu.stack_snapshot(pids, broker_pid, stack.database_name)
        idle = {k: v / args.idle_seconds for k, v in cpu.spent(idle_before, cpu_before).items()}
        seconds = await run_to_completion(
            stack, status, request(f"pipe-{tag}", {"segment": {"tags_all": [tag]}}, "sms")
        )
        used = cpu.spent(cpu_before, cpu.stack_snapshot(pids, broker_pid, stack.database_name))
        total = sum(v for k, v in used.items() if k != "other")
        emit(
            "pipeline_cpu",
            recipients=n,
            cpu_s=used,
            us_per_recipient={k: round(v / n * 1e6) for k, v in used.items()},
            idle_cores={k: round(v, 3) for k, v in idle.items()},
            # what the run cost beyond what the idle stack burns in as long (empty
            # fetches, polls): the figure to size by when a slow run stretches the window
            us_per_recipient_above_idle={
                k: round(max(0.0, v - idle[k] * seconds) / n * 1e6) for k, v in used.items()
            },
            herald_and_infra_us_per_recipient=round(total / n * 1e6),
            cores_busy=round(total / seconds, 2),
            cpu_ceiling_per_s=round((os.cpu_count() or 1) * n / total) if total else None,
            **info,
        )
        writes = await pg_writes.snapshot(stack.database_url, settle=True)
        moved = pg_writes.per_recipient(writes_before, writes, n)
        emit("pipeline_pg_writes", recipients=n, **moved, **info)
        emit("pipeline_stages_s", recipients=n, **await stage_times(stack, f"pipe-{tag}"), **info)
        rate = n / seconds
        emit(
            "pipeline_throughput",
            recipients=n,
            seconds=round(seconds, 2),
            per_s=round(rate),
            bare_broker_per_s=round(bare),
            ratio=round(rate / bare, 3),
            provider="log",
            **info,
        )
        emit(
            "peak_memory_mib",
            during="pipeline",
            services={
                k: peak_rss_mib(p.process.pid) for k, p in stack.services.items() if p.process
            },
            **info,
        )

        if args.throughput_only:
            await status.stop()
            return
        await webhook_fanout(stack, status, fast, args.webhooks, args.concurrency, info)

        ltag = f"l{uuid.uuid4().hex[:6]}"
        await load_recipients(stack, ltag, 50, sink.url("/lat"))
        for rate in args.latency_rates:  # the 50/s, and a rate this machine sustains
            emit(
                "latency_single_push",
                **await latency(stack, sink, ltag, args.latency_seconds, rate),
                **info,
            )
        emit(
            "peak_memory_mib",
            during="all",
            services={
                k: peak_rss_mib(p.process.pid) for k, p in stack.services.items() if p.process
            },
            **info,
        )
        await status.stop()
    finally:
        await stack.stop()
        await sink.stop()
        await fast.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--webhooks", type=int, default=5_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--latency-seconds", type=float, default=20.0)
    parser.add_argument(
        "--latency-rates",
        type=lambda v: [float(x) for x in v.split(",")],
        default=[50.0, 10.0],
        help="requests/s, comma-separated: one latency figure each",
    )
    parser.add_argument(
        "--idle-seconds",
        type=float,
        default=10.0,
        help="measure the idle stack's CPU this long first (subtracted in pipeline_cpu)",
    )
    parser.add_argument(
        "--throughput-only",
        action="store_true",
        help="only the fan-out, its CPU accounting and stages (capacity: docs/capacity.md)",
    )
    parser.add_argument("--profile", default="", help="folder for cProfile output of each service")
    parser.add_argument(
        "--trace-memory",
        default="",
        help="a service that logs its top allocations (memory_top) to its log every 15 s",
    )
    asyncio.run(main(parser.parse_args()))
