"""Several replicas and a kill -9: every timer fires, and fires once."""

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from herald.devstack.ports import free_port
from herald.devstack.stack import ServiceProcess
from herald.scheduler.main import create_app
from tests.integration.scheduler.harness import approve, copy_recipients, settings
from tests.support.kafka import TopicWatcher
from tests.support.scheduler import push_request
from tests.support.service import DELIVERY_ID_KEY, create_topics, new_prefix, running
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


async def _drained(database_url: str, plan: str) -> bool:
    conn = await asyncpg.connect(database_url)
    try:
        return bool(
            await conn.fetchval(
                """SELECT complete AND NOT EXISTS (SELECT 1 FROM scheduler.timers)
                   FROM scheduler.plans WHERE request_id = $1""",
                plan,
            )
        )
    finally:
        await conn.close()


async def test_two_instances_share_the_timers_without_doubles(
    kafka: str, database_url: str, uid: str
) -> None:
    prefix = new_prefix()
    await create_topics(kafka, prefix)
    sends = await TopicWatcher(kafka, prefix + "push.sends.v1").start()
    n = 3000
    try:
        apps = [
            create_app(settings(kafka, database_url, prefix, release_batch=50)) for _ in range(2)
        ]
        async with running(apps[0]) as one, running(apps[1]) as two:
            await copy_recipients(database_url, "acme", [f"r{uid}-{i}" for i in range(n)], ["vip"])
            rid = f"two-{uid}"
            await approve(kafka, prefix, push_request(rid, {"all": True}), datetime.now(UTC))
            await eventually(lambda: _drained(database_url, rid), timeout=60, what="all released")
            await eventually(lambda: len(sends.items()) >= n, what="every send seen")
            keys = [s["delivery_id"] for s in sends.items()]
            assert len(keys) == len(set(keys)) == n
            shares = [
                sum(
                    float(line.split()[-1])
                    for line in (await c.get("/metrics")).text.splitlines()
                    if line.startswith("herald_scheduler_sends_released_total{")
                )
                for c in (one, two)
            ]
            assert sum(shares) == n
    finally:
        await sends.stop()


def _env(kafka: str, database_url: str, prefix: str, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        KAFKA_BOOTSTRAP_SERVERS=kafka,
        DATABASE_URL=database_url,
        TENANTS="acme",
        HTTP_HOST="127.0.0.1",
        HTTP_PORT=str(port),
        KAFKA_TOPIC_PREFIX=prefix,
        KAFKA_SESSION_TIMEOUT_MS="2000",
        KAFKA_HEARTBEAT_INTERVAL_MS="600",
        TIMER_POLL_MS="50",
        LOG_LEVEL="INFO",
        DELIVERY_ID_KEY=DELIVERY_ID_KEY,
        # globex is paced, so that a kill lands in the middle of its release (its 2,000
        # sends take ~10 s: batched records publish a claim at once, and the watcher may
        # lag the broker by seconds on a loaded machine)
        SCHEDULER_POLICY_JSON='{"tenants": {"globex": {"rates": {"default": 200}}}}',
    )
    return env


async def _released(database_url: str, tenant: str) -> tuple[datetime, datetime]:
    """When the tenant's sends were released (the scheduler's clock at the claim)."""
    conn = await asyncpg.connect(database_url)
    try:
        row = await conn.fetchrow(
            "SELECT min(released_at) AS a, max(released_at) AS b FROM scheduler.released "
            "WHERE tenant = $1",
            tenant,
        )
        return row["a"], row["b"]
    finally:
        await conn.close()


async def test_kill_9_pending_fires_once_on_time_and_mid_release_loses_nothing(
    kafka: str, database_url: str, uid: str, tmp_path: Path
) -> None:
    prefix = new_prefix()
    await create_topics(kafka, prefix)
    sends = await TopicWatcher(kafka, prefix + "push.sends.v1").start()
    port = free_port()
    log = tmp_path / "scheduler.log"
    proc = ServiceProcess("scheduler", port, _env(kafka, database_url, prefix, port), log)
    n = 2000
    try:
        await proc.start()
        await proc.wait_ready()
        await copy_recipients(database_url, "acme", [f"k{uid}-{i}" for i in range(n)], ["vip"])
        await copy_recipients(database_url, "globex", [f"g{uid}-{i}" for i in range(n)], ["vip"])
        send_at = datetime.now(UTC) + timedelta(seconds=15)
        rid = f"kill-{uid}"
        req = push_request(rid, {"all": True}, schedule={"send_at": send_at.isoformat()})
        await approve(kafka, prefix, req, datetime.now(UTC))
        conn = await asyncpg.connect(database_url)
        try:
            await eventually(
                lambda: conn.fetchval(
                    "SELECT complete FROM scheduler.plans WHERE request_id = $1", rid
                ),
                what="timers planned",
            )
            assert await conn.fetchval("SELECT count(*) FROM scheduler.timers") == n
        finally:
            await conn.close()
        proc.kill()
        assert proc.process is not None
        await proc.process.wait()
        assert not sends.seen
        await proc.start()
        await proc.wait_ready()
        await eventually(lambda: _drained(database_url, rid), timeout=60, what="all released")
        await eventually(lambda: len(sends.items()) >= n, what="every send seen")
        keys = [s["delivery_id"] for s in sends.items()]
        assert len(keys) == len(set(keys)) == n
        first, last = await _released(database_url, "acme")
        assert send_at <= first
        assert last - send_at < timedelta(seconds=2)

        # a kill in the middle of a (paced) release: nothing lost, repeats only in flight
        mid = f"mid-{uid}"
        await approve(kafka, prefix, push_request(mid, {"all": True}, tenant="globex"), send_at)
        await eventually(lambda: len(sends.items()) > n + 100, what="release under way")
        proc.kill()
        await proc.process.wait()
        assert len(sends.items()) < 2 * n
        await proc.start()
        await proc.wait_ready()
        await eventually(lambda: _drained(database_url, mid), timeout=60, what="rest released")
        ids = lambda: [s["delivery_id"] for s in sends.items()]  # noqa: E731
        await eventually(lambda: len(set(ids())) >= 2 * n, what="every send")
        repeats = len(ids()) - len(set(ids()))
        assert repeats <= 400  # at most the one claim that was in flight
    finally:
        await proc.stop()
        await sends.stop()
        print(log.read_text())
