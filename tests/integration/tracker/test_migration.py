"""The walking skeleton's unpartitioned ledger moves into the partitioned one intact."""

import shutil
from pathlib import Path

import asyncpg
import pytest

from herald.runtime.db import create_pool, migrate
from herald.tracker.manifest import MANIFEST

pytestmark = pytest.mark.integration
MIGRATIONS = MANIFEST.migrations
assert MIGRATIONS is not None


async def test_rows_of_the_first_schema_survive_partitioning(
    database_url: str, tmp_path: Path
) -> None:
    first = tmp_path / "first"
    first.mkdir()
    shutil.copy(Path(MIGRATIONS) / "001_ledger.sql", first)
    pool: asyncpg.Pool = await create_pool(database_url, max_size=2)
    try:
        await migrate(pool, "tracker", first)
        await pool.execute(
            """INSERT INTO tracker.outcomes (delivery_id, tenant, request_id, department,
                   recipient_id, outcome, channel, at)
               VALUES ('d-1', 'acme', 'r-1', 'm', 'u-1', 'delivered', 'sms',
                       '2026-10-31T23:30:00-02:00'),
                      ('d-2', 'acme', 'r-1', 'm', 'u-2', 'delivered', 'sms',
                       '2026-11-02T00:00:00Z')"""
        )
        await pool.execute(
            """INSERT INTO tracker.engagement VALUES
               ('e-1', 'd-1', 'clicked', '2026-11-01T02:00:00Z', 'https://a.example/')"""
        )
        applied = await migrate(pool, "tracker", Path(MIGRATIONS))
        assert applied[:3] == [
            "002_partitioned_ledger",
            "003_request_trace",
            "004_engagement_tenant",
        ]
        assert "005_erased_per_tenant" in applied
        moved = await pool.fetch(
            "SELECT tableoid::regclass::text AS part, delivery_id FROM tracker.outcomes ORDER BY 2"
        )
        # 23:30 at -02:00 on 31 October is 1 November in UTC
        assert [(r["part"], r["delivery_id"]) for r in moved] == [
            ("tracker.outcomes_p202611", "d-1"),
            ("tracker.outcomes_p202611", "d-2"),
        ]
        assert await pool.fetchval("SELECT count(*) FROM tracker.deliveries") == 2
        assert await pool.fetchval("SELECT tenant FROM tracker.engagement_ids") == "acme"
        assert await pool.fetchval("SELECT count(*) FROM tracker.engagement") == 1
    finally:
        await pool.close()
