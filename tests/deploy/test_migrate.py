"""The migration Job's runner applies exactly what the services apply at start-up."""

import asyncpg
import pytest

from herald.devstack import migrate
from tests.deploy.conftest import ROOT


def test_runner_knows_every_service_with_migrations() -> None:
    with_migrations = {
        p.parent.name
        for p in (ROOT / "services").glob("*/src/herald/*/migrations")
        if any(p.glob("*.sql"))
    }
    assert set(migrate.SERVICES) == with_migrations


@pytest.mark.integration
async def test_runner_applies_every_migration_once(database_url: str) -> None:
    first = await migrate.apply_all(database_url)
    again = await migrate.apply_all(database_url)
    assert again == {name: [] for name in migrate.SERVICES}
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch("SELECT service, version FROM herald_meta.migrations")
    finally:
        await conn.close()
    recorded = {(r["service"], r["version"]) for r in rows}
    expected = {
        (name, path.stem)
        for name in migrate.SERVICES
        for path in migrate.migrations_folder(name).glob("*.sql")
    }
    assert recorded == expected
    assert {(n, v) for n, vs in first.items() for v in vs} == expected


def test_runner_refuses_unknown_services(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://unused/unused")
    assert migrate.main(["nonsense"]) == 2
