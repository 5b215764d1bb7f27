"""Postgres goes away in the middle of ingestion and comes back: tracker stops consuming,
says it is not ready, and then resumes without losing or doubling anything."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest

from herald.devstack.postgres import LocalPostgres, create_database
from tests.integration.tracker.builders import outcome, scheduled
from tests.integration.tracker.harness import App, tracker_app
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration
TOTAL = 6000


@pytest.fixture
async def own_postgres() -> AsyncIterator[LocalPostgres]:
    server = await LocalPostgres().start()
    try:
        yield server
    finally:
        await server.stop()


async def count(url: str, rid: str) -> int | None:
    """Outcomes recorded for the request, or None while Postgres is away."""
    with contextlib.suppress(OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
        conn = await asyncpg.connect(url, timeout=2)
        try:
            n: int = await conn.fetchval(
                "SELECT count(*) FROM tracker.outcomes WHERE request_id = $1", rid
            )
            return n
        finally:
            await conn.close()
    return None


async def ready(app: App) -> bool:
    return (await app.http.get("/readyz")).status_code == 200


async def test_a_postgres_restart_mid_ingestion_loses_and_doubles_nothing(
    kafka: str, own_postgres: LocalPostgres, tmp_path: Path, uid: str
) -> None:
    url = await create_database(own_postgres.admin_url, "tracker")
    now = datetime.now(UTC)
    items = [
        (f"d-{uid}-{i}", outcome(uid, i, at=now).model_dump(mode="json")) for i in range(TOTAL)
    ]
    async with tracker_app(kafka, url, tmp_path, kafka_max_records=100) as app:
        await app.send("push.status.v1", [(uid, scheduled(uid, TOTAL).model_dump(mode="json"))])
        await app.send("push.outcomes.v1", items)
        await eventually(lambda: _some(url, uid), interval=0.02, what="ingestion under way")

        await asyncio.to_thread(own_postgres.server.stop)
        # while it is away: more of the same arrives again (a producer retrying)
        await app.send("push.outcomes.v1", items[:1000])
        problems = await eventually(lambda: _problems(app), what="the consumer waiting")
        assert "postgres" in problems
        assert await count(url, uid) is None

        await asyncio.to_thread(own_postgres.server.start)
        await eventually(lambda: _exactly(url, uid, TOTAL), timeout=60, what="every outcome")
        await eventually(lambda: ready(app), what="tracker ready again")
        completed = await eventually(
            lambda: [s for s in app.status.for_key(uid) if s.json()["status"] == "completed"],
            what="completed",
        )
        assert completed[0].json()["counts"]["delivered"] == TOTAL

        conn = await asyncpg.connect(url)
        try:
            assert (
                await conn.fetchval(
                    "SELECT outcomes FROM tracker.requests WHERE request_id = $1", uid
                )
                == TOTAL
            )
            assert (
                await conn.fetchval(
                    "SELECT count(DISTINCT delivery_id) FROM tracker.outcomes"
                    " WHERE request_id = $1",
                    uid,
                )
                == TOTAL
            )
        finally:
            await conn.close()
        assert "herald_dead_letters_total{" not in (await app.http.get("/metrics")).text
        # a Status published just before a lost commit may repeat (at-least-once), never differ
        assert {s.json()["counts"]["delivered"] for s in completed} == {TOTAL}


async def _some(url: str, rid: str) -> bool:
    n = await count(url, rid)
    return n is not None and 0 < n < TOTAL


async def _exactly(url: str, rid: str, total: int) -> bool:
    return await count(url, rid) == total


async def _problems(app: App) -> dict[str, str] | None:
    """/readyz's problems once the outcomes consumer is blocked on the database."""
    r = await app.http.get("/readyz")
    problems: dict[str, str] = r.json()["problems"]
    return problems if r.status_code == 503 and "outcomes" in problems else None
