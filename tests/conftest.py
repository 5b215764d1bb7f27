"""Shared fixtures: one real broker and one real Postgres server per test session.

Each runs locally unless KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL point at existing ones.
Tests that share them use their own database or unique ids and topics.
"""

import os
import uuid
from collections.abc import AsyncIterator

import pytest

from herald.devstack.broker import LocalBroker
from herald.devstack.ports import free_port
from herald.devstack.postgres import LocalPostgres, create_database

os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp")


@pytest.fixture(scope="session")
async def kafka() -> AsyncIterator[str]:
    given = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if given:
        yield given
        return
    broker = await LocalBroker(port=free_port()).start()
    try:
        yield broker.bootstrap
    finally:
        await broker.stop()


@pytest.fixture(scope="session")
async def pg_admin_url() -> AsyncIterator[str]:
    given = os.environ.get("DATABASE_URL")
    if given:
        yield given
        return
    server = await LocalPostgres().start()
    try:
        yield server.admin_url
    finally:
        await server.stop()


@pytest.fixture
async def database_url(pg_admin_url: str) -> str:
    """A fresh database for one test."""
    return await create_database(pg_admin_url, f"t_{uuid.uuid4().hex[:12]}")


@pytest.fixture
def uid() -> str:
    return uuid.uuid4().hex[:10]
