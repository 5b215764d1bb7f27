"""One intake for the module, in-process against the real broker and Postgres."""

import uuid
from collections.abc import AsyncIterator

import pytest

from herald.devstack.postgres import create_database
from herald.intake.main import create_app
from tests.integration.intake.harness import Intake, intake_settings
from tests.support.kafka import TopicWatcher
from tests.support.keys import write_keys
from tests.support.service import create_topics, new_prefix, running


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
