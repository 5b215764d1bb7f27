"""One Kafka hop as Herald's consumers make it, for a few fetch waits and batch timeouts.

    python bench/hop_wait.py [--messages 100] [--configs 500/50,25/10,...] [--faststream-loop]

A FastStream batch subscriber built like herald.runtime.consumer.subscribe
(fetch_max_wait_ms, batch_timeout_ms, the records as the body, Herald's batch loop:
herald.runtime.batch_loop; `--faststream-loop`: FastStream's own, which sleeps after an
empty poll) reads a topic that gets one small record at random intervals (mean ~140 ms,
like single pushes); each record carries the time it was sent, and the handler notes how
long it took to arrive. One process and the broker only, so the figure is the waits
(herald.runtime.fetching), not the rest of the pipeline, and stays readable on a busy
machine. Also the CPU the consumer process and the broker burn while idle for each
configuration (empty fetches and empty rounds). Nothing here is a timed assertion.
"""

import argparse
import asyncio
import random
import resource
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from faststream import AckPolicy
from faststream.kafka import KafkaBroker

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench import cpu
from bench.common import emit, machine
from herald.devstack.broker import LocalBroker
from herald.devstack.ports import free_port
from herald.runtime.batch_loop import patient


def own_cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


async def one_config(
    bootstrap: str,
    broker_pid: int,
    fetch_wait: int,
    batch_timeout: int,
    n: int,
    idle_s: float,
    herald_loop: bool = True,
) -> dict[str, object]:
    topic = f"hop.{uuid.uuid4().hex[:6]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    await admin.create_topics([NewTopic(topic, 1, 1)])
    await admin.close()
    arrived: list[float] = []
    broker = KafkaBroker(bootstrap, enable_idempotence=False, log_level=0)

    async def records(message: Any) -> Any:
        return message.raw_message

    async def on_batch(raw: Any) -> None:
        now = time.time()
        for r in raw if isinstance(raw, tuple | list) else (raw,):
            arrived.append((now - float(r.value.decode())) * 1000)

    subscriber = broker.subscriber(
        topic,
        group_id=f"g-{topic}",
        batch=True,
        batch_timeout_ms=batch_timeout,
        fetch_max_wait_ms=fetch_wait,
        auto_offset_reset="earliest",
        session_timeout_ms=3000,
        heartbeat_interval_ms=1000,
        ack_policy=AckPolicy.ACK,
        decoder=records,
    )
    subscriber(on_batch)
    if herald_loop:
        patient(subscriber)

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=0)
    await producer.start()
    await broker.start()
    try:
        await producer.send_and_wait(topic, str(time.time()).encode())  # joined and fetching
        while not arrived:
            await asyncio.sleep(0.05)
        arrived.clear()
        me, tansu = own_cpu_s(), cpu._cpu_s(broker_pid)
        await asyncio.sleep(idle_s)
        idle = {
            "consumer_cores": round((own_cpu_s() - me) / idle_s, 3),
            "broker_cores": round((cpu._cpu_s(broker_pid) - tansu) / idle_s, 3),
        }
        for _ in range(n):
            await asyncio.sleep(random.expovariate(1 / 0.14))
            await producer.send_and_wait(topic, str(time.time()).encode())
        deadline = time.time() + 10
        while len(arrived) < n and time.time() < deadline:
            await asyncio.sleep(0.05)
    finally:
        await broker.stop()
        await producer.stop()
    v = sorted(arrived)
    pick = lambda q: round(v[min(len(v) - 1, int(q * len(v)))], 1)  # noqa: E731
    return {
        "fetch_max_wait_ms": fetch_wait,
        "batch_timeout_ms": batch_timeout,
        "loop": "herald" if herald_loop else "faststream",
        "messages": len(v),
        "p50_ms": pick(0.5),
        "p99_ms": pick(0.99),
        "max_ms": round(v[-1], 1),
        "idle": idle,
    }


async def main(args: argparse.Namespace) -> None:
    info = machine()
    local = await LocalBroker(port=free_port()).start()
    assert local.process is not None
    try:
        for config in args.configs.split(","):
            fetch_wait, batch_timeout = (int(x) for x in config.split("/"))
            figures = await one_config(
                local.bootstrap,
                local.process.pid,
                fetch_wait,
                batch_timeout,
                args.messages,
                args.idle_seconds,
                herald_loop=not args.faststream_loop,
            )
            emit("hop_wait_ms", **figures, **info)
    finally:
        await local.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--idle-seconds", type=float, default=5.0)
    parser.add_argument("--configs", default="500/500,100/500,25/500,10/500")
    parser.add_argument("--faststream-loop", action="store_true")
    asyncio.run(main(parser.parse_args()))
