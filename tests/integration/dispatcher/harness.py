"""The dispatcher in-process for integration tests: its own topics and database, the test
API keys, the providers a test names, and watchers on the topics it reads back.

    async with prepared(kafka, pg_admin_url, folder, providers, watch=(...)) as setup:
        async with running(create_app(setup.settings)) as http:
            ...   # setup.watchers: push.outcomes.v1 first, then `watch` in order
"""

import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from herald.devstack.postgres import create_database
from herald.dispatcher.manifest import MANIFEST
from herald.dispatcher.settings import DispatcherSettings
from herald.runtime.db import Database, create_pool, migrate
from tests.support.kafka import TopicWatcher, jbytes, produce
from tests.support.keys import write_keys
from tests.support.service import create_topics, new_prefix, service_env
from tests.support.waiting import eventually

SIGNING_SECRET = "sign-me-sign-me-sign-me-sign-me!!"
TRACKING_KEYS = "k1:tracking-secret-tracking-secret-0123"
FAST_RETRIES = {"backoff_base_s": 0.05, "backoff_max_s": 0.2, "retry_poll_s": 0.05}
"""Retries parked and taken up again within a fraction of a second."""


def send(did: str, channels: list[str], **over: Any) -> dict[str, Any]:
    """A send due now, its ids derived from `did`; `over` replaces any field."""
    body: dict[str, Any] = {
        "delivery_id": did,
        "request_id": f"r-{did}",
        "tenant": "acme",
        "department": "mkt",
        "recipient_id": f"u-{did}",
        "category": "notification",
        "priority": "normal",
        "channels": channels,
        "contacts": {"phone": "+8613800000000"},
        "content": {"title": "Sale", "body": "Half price https://shop.example.com/w"},
        "due_at": datetime.now(UTC).isoformat(),
    }
    body.update(over)
    return body


@dataclass
class Setup:
    settings: DispatcherSettings
    prefix: str
    database_url: str
    keys: dict[tuple[str, str], str]
    watchers: list[TopicWatcher]


@contextlib.asynccontextmanager
async def migrated_db(database_url: str) -> AsyncIterator[Database]:
    """The dispatcher's tables migrated in `database_url`, behind a small pool."""
    pool = await create_pool(database_url, max_size=2)
    assert MANIFEST.migrations is not None
    await migrate(pool, "dispatcher", MANIFEST.migrations)
    db = Database()
    db.attach(pool)
    try:
        yield db
    finally:
        await pool.close()


@contextlib.asynccontextmanager
async def prepared(
    kafka: str,
    pg_admin_url: str,
    folder: Path,
    providers: dict[str, Any],
    *,
    watch: Sequence[str] = (),
    **settings: Any,
) -> AsyncIterator[Setup]:
    """Settings for a dispatcher of its own (topics, database, keys in `folder`), the
    test's `settings` over the defaults; watchers stopped on the way out."""
    prefix = new_prefix()
    await create_topics(kafka, prefix)
    database_url = await create_database(pg_admin_url, f"t_{uuid.uuid4().hex[:12]}")
    keys = write_keys(folder / "keys.json")
    values = {
        "api_keys_file": str(folder / "keys.json"),
        "signing_secret": SIGNING_SECRET,
        "tracking_keys": TRACKING_KEYS,
        "providers_json": json.dumps(providers),
        **settings,
    }
    config = DispatcherSettings(**service_env(kafka, database_url, prefix, **values))
    watchers = [
        await TopicWatcher(kafka, prefix + topic).start() for topic in ("push.outcomes.v1", *watch)
    ]
    try:
        yield Setup(config, prefix, database_url, keys, watchers)
    finally:
        for w in watchers:
            await w.stop()


@dataclass
class Live:
    """What every test of a running dispatcher reaches."""

    http: httpx.AsyncClient
    kafka: str
    prefix: str
    outcomes: TopicWatcher

    async def sends(self, *items: dict[str, Any]) -> None:
        topic = self.prefix + "push.sends.v1"
        await produce(self.kafka, topic, [(s["delivery_id"], jbytes(s)) for s in items])

    async def outcome(self, did: str) -> dict[str, Any]:
        found = await eventually(
            lambda: self.outcomes.for_delivery(did), timeout=30, what=f"outcome of {did}"
        )
        return found[0]  # type: ignore[no-any-return]
