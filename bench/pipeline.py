"""End-to-end figures of the whole stack (issue 9), each beside a bare baseline run here.

    python bench/pipeline.py [--recipients 100000] [--webhooks 20000] [--latency-seconds 20]

1. pipeline throughput: one request to N recipients on the `log` provider, from
   submission until tracker has every outcome in Postgres; baseline: aiokafka producing
   and consuming N messages of a send's size through the same broker;
2. webhook fan-out to a local sink, beside httpx posting as many requests to the same
   sink with the same concurrency;
3. latency of single immediate pushes at a steady 50 requests/s, submission to sink;
4. peak memory of each service.
"""

import argparse
import asyncio
import json
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

from bench.common import emit, machine, peak_rss_mib
from herald.devstack.ports import free_port
from herald.devstack.stack import SERVICE_PORTS, Stack

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
        "requester": {"department": "operations", "user": "bench"},
        "goal": "benchmark",
        "category": "notification",
        "channels": [channel],
        "content": {"title": "Herald benchmark", "body": "【Herald】Measuring the pipeline."},
        "audience": audience,
    }


async def load_recipients(stack: Stack, tag: str, n: int, hook: str | None) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=stack.bootstrap, linger_ms=10, max_batch_size=1 << 20
    )
    await producer.start()
    topic = stack.topic_prefix + "push.recipients.v1"
    futures = [
        await producer.send(topic, recipient(f"{tag}-{i}", tag, hook), key=f"{tag}-{i}".encode())
        for i in range(n)
    ]
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


async def bare_http(url: str, n: int, concurrency: int) -> float:
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        slots = asyncio.Semaphore(concurrency)

        async def one(i: int) -> None:
            async with slots:
                for attempt in range(3):  # a keep-alive connection the sink closed: retry
                    try:
                        r = await client.post(url, json={"delivery_id": f"bare-{i}"})
                    except httpx.TransportError:
                        if attempt == 2:
                            raise
                        continue
                    r.raise_for_status()
                    return

        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(n)))
        return n / (time.perf_counter() - started)


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
            rid = f"lat-{tag}-{i}"
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
            if len(seen) >= count:
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


async def main(args: argparse.Namespace) -> None:
    info = machine()
    state = Path(tempfile.mkdtemp(prefix="herald-bench-"))
    stack = Stack(
        state_dir=state,
        ports={n: free_port() for n in SERVICE_PORTS},
        broker_port=free_port(),
        log_dir=state,
        database_name="bench",
        extra_env={
            "LOG_LEVEL": "WARNING",
            "MAX_PAYLOAD_BYTES": str(8 << 20),
            **({"PROFILE_DIR": args.profile} if args.profile else {}),
        },
    )
    sink = await HttpSink().start()
    await stack.start_infrastructure()
    try:
        await stack.start_services()
        status = await TopicWatcher(stack.bootstrap, stack.topic_prefix + "push.status.v1").start()
        n = args.recipients
        bare = await bare_broker(stack.bootstrap, n)
        tag = f"b{uuid.uuid4().hex[:6]}"
        t0 = time.perf_counter()
        await load_recipients(stack, tag, n, None)
        emit("directory_load", recipients=n, per_s=round(n / (time.perf_counter() - t0)), **info)
        seconds = await run_to_completion(
            stack, status, request(f"pipe-{tag}", {"segment": {"tags_all": [tag]}}, "sms")
        )
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

        w = args.webhooks
        wtag = f"w{uuid.uuid4().hex[:6]}"
        await load_recipients(stack, wtag, w, sink.url("/hook"))
        seconds = await run_to_completion(
            stack, status, request(f"hook-{wtag}", {"segment": {"tags_all": [wtag]}}, "webhook")
        )
        bare_rate = await asyncio.wait_for(bare_http(sink.url("/bare"), w, args.concurrency), 300)
        emit(
            "webhook_fanout",
            recipients=w,
            per_s=round(w / seconds),
            bare_httpx_per_s=round(bare_rate),
            ratio=round((w / seconds) / bare_rate, 3),
            concurrency=args.concurrency,
            **info,
        )

        ltag = f"l{uuid.uuid4().hex[:6]}"
        await load_recipients(stack, ltag, 50, sink.url("/lat"))
        emit(
            "latency_single_push",
            **await latency(stack, sink, ltag, args.latency_seconds, 50.0),
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


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--webhooks", type=int, default=5_000)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--latency-seconds", type=float, default=20.0)
    parser.add_argument("--profile", default="", help="folder for cProfile output of each service")
    asyncio.run(main(parser.parse_args()))
