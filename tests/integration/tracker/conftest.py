"""Tracker's service layer on a fresh database (tests.integration.tracker.harness)."""

from collections.abc import AsyncIterator

import pytest

from herald.runtime.db import create_pool, migrate
from herald.tracker.manifest import MANIFEST
from tests.integration.tracker.harness import Ledgered, build_ledgered


@pytest.fixture
async def ledgered(database_url: str) -> AsyncIterator[Ledgered]:
    assert MANIFEST.migrations is not None
    pool = await create_pool(database_url, max_size=4)
    try:
        await migrate(pool, "tracker", MANIFEST.migrations)
        yield build_ledgered(pool)
    finally:
        await pool.close()
