"""Two review replicas reassessing the same requester at once (or one reassessing while an
admin reinstates) cannot lower a standing: the ledger only moves up the ladder, and never
over a reinstatement made after the reassessment began."""

from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from herald.contracts.internal import Standing
from herald.review.adapters.postgres.standing import PgStandingRepository
from herald.review.manifest import MANIFEST
from herald.runtime.db import Database, migrate

pytestmark = pytest.mark.integration


async def test_a_stale_replica_cannot_lower_a_standing_or_undo_a_reinstatement(
    database_url: str, uid: str
) -> None:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    try:
        await migrate(pool, "review", MANIFEST.migrations)
        db = Database()
        db.attach(pool)
        repo = PgStandingRepository(db)
        who, t0 = ("acme", "requester", f"r-{uid}"), datetime.now(UTC)

        assert await repo.change(*who, Standing.RESTRICTED, t0)  # replica B saw 2 strikes
        assert not await repo.change(*who, Standing.WARNED, t0)  # replica A saw 1
        assert await repo.current(*who) == Standing.RESTRICTED

        await repo.reinstate(*who, by="boss", at=t0 + timedelta(seconds=2))
        # a reassessment that began before the reinstatement (it read the old strikes)
        assert not await repo.change(*who, Standing.BANNED, t0 + timedelta(seconds=1))
        assert await repo.current(*who) == Standing.GOOD
        # one after it counts
        assert await repo.change(*who, Standing.WARNED, t0 + timedelta(seconds=3))
        assert await repo.current(*who) == Standing.WARNED
        assert [c.standing for c in await repo.unpublished() if c.subject == who[2]] == [
            Standing.WARNED
        ]
    finally:
        await pool.close()
