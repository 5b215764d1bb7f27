"""The ledger's rows survive each change of its shape: the walking skeleton's unpartitioned
ledger into the partitioned one, and that one into one row per recipient (007)."""

import shutil
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest

from herald.runtime.db import create_pool, migrate
from herald.tracker.manifest import MANIFEST
from tests.integration.tracker.builders import outcome
from tests.integration.tracker.harness import build_ledgered

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
        assert await pool.fetchval("SELECT count(*) FROM tracker.deliveries") == 0
        assert await pool.fetchval("SELECT tenant FROM tracker.engagement_ids") == "acme"
        assert await pool.fetchval("SELECT count(*) FROM tracker.engagement") == 1
    finally:
        await pool.close()


async def test_outcomes_move_to_their_request_s_month_and_stay_counted_once(
    database_url: str, tmp_path: Path
) -> None:
    """007: from the ledger of two rows per recipient (`deliveries` beside `outcomes`
    partitioned by `at`) to one: a row goes to the month its request began, and an
    outcome re-sent after the upgrade, whatever its time, meets it there."""
    before = tmp_path / "before"
    before.mkdir()
    for f in sorted(Path(MIGRATIONS).glob("00[1-6]_*.sql")):
        shutil.copy(f, before)
    pool: asyncpg.Pool = await create_pool(database_url, max_size=4)
    try:
        await migrate(pool, "tracker", before)
        await pool.execute(
            """CREATE TABLE tracker.outcomes_p202611 PARTITION OF tracker.outcomes
               FOR VALUES FROM ('2026-11-01Z') TO ('2026-12-01Z');
               INSERT INTO tracker.requests (tenant, request_id, department, recipients,
                                             outcomes, created_at)
               VALUES ('acme', 'r-1', 'm', 3, 2, '2026-10-31T22:00:00Z');
               INSERT INTO tracker.deliveries (delivery_id, at, tenant, request_id, channel)
               VALUES ('d-1', '2026-11-02Z', 'acme', 'r-1', 'sms'),
                      ('d-2', '2026-11-02Z', 'acme', 'r-1', 'sms'),
                      ('d-9', '2026-11-03Z', 'acme', 'r-9', 'sms');
               INSERT INTO tracker.outcomes (delivery_id, tenant, request_id, department,
                                             recipient_id, outcome, channel, at)
               VALUES ('d-1', 'acme', 'r-1', 'm', 'u-1', 'delivered', 'sms', '2026-11-02Z'),
                      ('d-2', 'acme', 'r-1', 'm', 'u-2', 'delivered', 'sms', '2026-11-02Z'),
                      ('d-9', 'acme', 'r-9', 'm', 'u-9', 'delivered', 'sms', '2026-11-03Z')"""
        )
        assert await migrate(pool, "tracker", Path(MIGRATIONS)) == ["007_outcomes_by_request_month"]
        moved = await pool.fetch(
            """SELECT tableoid::regclass::text AS part, delivery_id FROM tracker.outcomes
               ORDER BY 2"""
        )
        assert [(r["part"], r["delivery_id"]) for r in moved] == [
            ("tracker.outcomes_p202610", "d-1"),  # r-1 began on 31 October
            ("tracker.outcomes_p202610", "d-2"),
            ("tracker.outcomes_p202611", "d-9"),  # r-9 had no row: it begins at its outcome
        ]
        assert await pool.fetchval("SELECT count(*) FROM tracker.deliveries") == 0

        h = build_ledgered(pool)
        again = outcome("r-1", 0, delivery_id="d-1", at=datetime(2026, 11, 28, tzinfo=UTC))
        await h.tracker.on_outcomes([again, outcome("r-1", 3, delivery_id="d-3")])
        assert await h.value("SELECT outcomes FROM tracker.requests WHERE request_id = 'r-1'") == 3
        assert await h.value("SELECT count(*) FROM tracker.outcomes") == 4
    finally:
        await pool.close()


async def test_a_tracker_of_before_still_running_is_held_back_and_writes_nothing(
    database_url: str,
) -> None:
    """During a rolling upgrade the old tracker writes an outcome without `requested_at`
    (and its id into `deliveries`, in the same statement): that fails as a missing
    partition, which it retries (not ready) instead of dead-lettering the outcome."""
    pool: asyncpg.Pool = await create_pool(database_url, max_size=2)
    try:
        await migrate(pool, "tracker", Path(MIGRATIONS))
        with pytest.raises(asyncpg.exceptions.CheckViolationError):
            await pool.execute(
                """WITH fresh AS (
                       INSERT INTO tracker.deliveries (delivery_id, at, tenant, request_id)
                       VALUES ('d-1', now(), 'acme', 'r-1') RETURNING delivery_id)
                   INSERT INTO tracker.outcomes (delivery_id, tenant, request_id, department,
                                                 outcome, at)
                   SELECT delivery_id, 'acme', 'r-1', 'm', 'delivered', now() FROM fresh"""
            )
        assert await pool.fetchval("SELECT count(*) FROM tracker.deliveries") == 0
    finally:
        await pool.close()
