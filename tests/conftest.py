"""Shared fixtures: one real broker and one real Postgres server per test session.

Each runs locally unless KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL point at existing ones.
Tests that share them use their own database or unique ids and topics.

A test that uses them is marked `integration` (or `e2e` when it runs the whole stack), and
only such a test is: collection fails otherwise, so `pytest -m "not integration and not
e2e"` runs exactly the tests that need neither broker nor Postgres.
"""

import os
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from herald.devstack.broker import LocalBroker
from herald.devstack.ports import free_port
from herald.devstack.postgres import LocalPostgres, create_database
from tests.support.signing import RECORD_KEYS
from tests.support.skips import skipped_checks, summary_lines
from tests.support.stack import sink, stack  # noqa: F401 - session fixtures for e2e and CLI tests

# Every service settings object a test builds signs and verifies with the test record key
# (a required setting); what tests produce is signed with it (tests/support/signing.py).
os.environ["RECORD_KEYS"] = RECORD_KEYS
REAL = frozenset({"kafka", "pg_admin_url", "database_url"})
"""The fixtures that start (or reach) the real broker or Postgres."""

_xdg = os.environ.get("XDG_RUNTIME_DIR", "")
if not _xdg or not os.path.isdir(_xdg) or (os.stat(_xdg).st_mode & 0o077):
    # pgserver wants a private runtime folder
    _runtime = Path(tempfile.gettempdir()) / f"herald-runtime-{os.getuid()}"
    _runtime.mkdir(mode=0o700, exist_ok=True)
    os.environ["XDG_RUNTIME_DIR"] = str(_runtime)


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


def pytest_unconfigure(config: pytest.Config) -> None:
    """After the run's last line: each check skipped here, and the command enabling it."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    groups = skipped_checks(r for r in reporter.stats.get("skipped", ()) if r.when != "teardown")
    if groups:
        reporter.write_sep("=", "checks skipped on this machine", yellow=True)
        for line in summary_lines(groups):
            reporter.write_line(line)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Hold the `integration` and `e2e` markers to the fixtures each test really uses."""
    wrong = []
    for item in items:
        uses = bool(REAL & set(getattr(item, "fixturenames", ())))
        marked = any(item.iter_markers("integration")) or any(item.iter_markers("e2e"))
        # an e2e test may start the whole system itself, as a newcomer would (make run)
        starts_its_own = any(m.kwargs.get("own_stack") for m in item.iter_markers("e2e"))
        if uses != marked and not starts_its_own:
            wrong.append(f"{item.nodeid}: {'uses' if uses else 'does not use'} {sorted(REAL)}")
    if wrong:
        raise pytest.UsageError(
            "mark exactly the tests that use the real broker or Postgres `integration` "
            "(or `e2e`):\n  " + "\n  ".join(wrong)
        )
