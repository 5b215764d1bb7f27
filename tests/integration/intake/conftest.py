"""Intake in-process against the real broker and Postgres."""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from herald.devstack.postgres import create_database
from herald.intake.main import create_app
from herald.intake.settings import IntakeSettings
from tests.support.kafka import TopicWatcher
from tests.support.keys import bearer, write_keys
from tests.support.service import create_topics, new_prefix, running, service_env


@dataclass
class Intake:
    http: httpx.AsyncClient
    keys: dict[tuple[str, str], str]
    kafka: str
    prefix: str
    settings: IntakeSettings
    status: TopicWatcher

    def topic(self, name: str) -> str:
        return self.prefix + name

    def as_(self, tenant: str, role: str) -> dict[str, str]:
        return bearer(self.keys[(tenant, role)])


def request_body(rid: str, **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "request_id": rid,
        "tenant": "acme",
        "requester": {"department": "marketing", "user": "li.wei"},
        "goal": "Announce the winter sale",
        "category": "marketing",
        "channels": ["sms"],
        "content": {"title": "冬季特卖", "body": "会员专享 5 折起"},
        "audience": {"segment": {"tags_all": ["vip"]}},
        "labels": {"campaign": "winter"},
    }
    body.update(over)
    return body


def intake_settings(kafka: str, database_url: str, prefix: str, keys_file: Path) -> IntakeSettings:
    return IntakeSettings(**service_env(kafka, database_url, prefix, api_keys_file=str(keys_file)))


@pytest.fixture(scope="module")
async def intake_db(pg_admin_url: str) -> str:
    return await create_database(pg_admin_url, f"intake_{uuid.uuid4().hex[:10]}")


@pytest.fixture(scope="module")
async def intake(
    kafka: str, intake_db: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Intake]:
    """One intake for the module (tests use unique ids): starting one costs a few seconds."""
    database_url = intake_db
    tmp_path = tmp_path_factory.mktemp("intake")
    prefix = new_prefix()
    await create_topics(kafka, prefix)
    keys = write_keys(tmp_path / "keys.json")
    settings = intake_settings(kafka, database_url, prefix, tmp_path / "keys.json")
    status = await TopicWatcher(kafka, prefix + "push.status.v1").start()
    try:
        async with running(create_app(settings)) as http:
            yield Intake(http, keys, kafka, prefix, settings, status)
    finally:
        await status.stop()
