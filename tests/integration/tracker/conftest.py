"""Tracker's service layer on a fresh database (`ledgered`), and the whole app on a
database of each test module's own (`app`); see tests.integration.tracker.harness."""

from collections.abc import AsyncIterator

import pytest

from herald.runtime.db import create_pool, migrate
from herald.tracker.manifest import MANIFEST
from tests.integration.tracker.harness import (
    App,
    Ledgered,
    build_ledgered,
    tracker_app_on_own_database,
)


@pytest.fixture
async def ledgered(database_url: str) -> AsyncIterator[Ledgered]:
    assert MANIFEST.migrations is not None
    pool = await create_pool(database_url, max_size=4)
    try:
        await migrate(pool, "tracker", MANIFEST.migrations)
        yield build_ledgered(pool)
    finally:
        await pool.close()


@pytest.fixture(scope="module")
async def app(
    kafka: str, pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[App]:
    """The tracker app in-process on the real broker, one per test module."""
    folder = tmp_path_factory.mktemp("tracker")
    async with tracker_app_on_own_database(kafka, pg_admin_url, folder) as running:
        yield running
