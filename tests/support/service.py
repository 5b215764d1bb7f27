"""Run one service in-process against the real broker and Postgres, for integration tests.

settings = SchedulerSettings(**service_env(kafka, database_url, prefix))
async with running(create_app(settings)) as http:
    ...   # consumers and loops are live; `http` is an httpx client on the app
"""

import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
from fastapi import FastAPI

from herald.runtime.topics import ensure_topics
from tests.support.signing import RECORD_KEYS, producers_file

DELIVERY_ID_KEY = "test-delivery-id-key-0123456789abcdef"
"""The scheduler's key for delivery ids in tests (a secret in production)."""


def new_prefix() -> str:
    return f"t{uuid.uuid4().hex[:8]}."


def service_env(kafka: str, database_url: str, prefix: str, **extra: Any) -> dict[str, Any]:
    """Settings for a service under test: its own topics, short consumer-group timings, the
    test record key and producers (tests/support/signing.py)."""
    return {
        "kafka_bootstrap_servers": kafka,
        "database_url": database_url,
        "tenants": "acme,globex",
        "record_keys": RECORD_KEYS,
        "producers_file": producers_file(),
        "kafka_topic_prefix": prefix,
        "kafka_session_timeout_ms": 3000,
        "kafka_heartbeat_interval_ms": 1000,
        # the test broker (Tansu) never wakes a pending fetch: a short wait per hop
        "kafka_fetch_max_wait_ms": 100,
        "delivery_id_key": DELIVERY_ID_KEY,
        **extra,
    }


async def create_topics(kafka: str, prefix: str) -> None:
    await ensure_topics(kafka, prefix=prefix)


@contextlib.asynccontextmanager
async def running(
    app: FastAPI, headers: dict[str, str] | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://service", headers=headers or {}
        ) as client:
            yield client
