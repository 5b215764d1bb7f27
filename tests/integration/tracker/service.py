"""The whole tracker app in-process against the real broker and Postgres."""

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from herald.tracker.main import create_app
from herald.tracker.settings import TrackerSettings
from tests.integration.tracker.conftest import TRACKING_KEYS
from tests.support.kafka import TopicWatcher, jbytes, produce
from tests.support.keys import bearer, write_keys
from tests.support.service import create_topics, new_prefix, running, service_env


@dataclass
class App:
    http: httpx.AsyncClient
    kafka: str
    prefix: str
    keys: dict[tuple[str, str], str]
    status: TopicWatcher
    engagement: TopicWatcher

    def topic(self, name: str) -> str:
        return self.prefix + name

    def as_(self, role: str, tenant: str = "acme") -> dict[str, str]:
        return bearer(self.keys[(tenant, role)])

    async def send(
        self, name: str, items: list[tuple[str, Any]], headers: dict[str, str] | None = None
    ) -> None:
        await produce(
            self.kafka,
            self.topic(name),
            [(k, None if v is None else jbytes(v)) for k, v in items],
            headers,
        )


def tracker_settings(kafka: str, database_url: str, prefix: str, **extra: Any) -> TrackerSettings:
    env = service_env(
        kafka,
        database_url,
        prefix,
        tracking_keys=TRACKING_KEYS,
        status_update_interval_s=0.3,
        lag_interval_s=0.3,
        **extra,
    )
    return TrackerSettings(**env)


@contextlib.asynccontextmanager
async def tracker_app(
    kafka: str, database_url: str, folder: Path, **extra: Any
) -> AsyncIterator[App]:
    prefix = new_prefix()
    await create_topics(kafka, prefix)
    keys = write_keys(folder / "keys.json")
    settings = tracker_settings(
        kafka, database_url, prefix, api_keys_file=str(folder / "keys.json"), **extra
    )
    status = await TopicWatcher(kafka, prefix + "push.status.v1").start()
    engagement = await TopicWatcher(kafka, prefix + "push.engagement.v1").start()
    try:
        async with running(create_app(settings)) as http:
            yield App(http, kafka, prefix, keys, status, engagement)
    finally:
        await status.stop()
        await engagement.stop()
