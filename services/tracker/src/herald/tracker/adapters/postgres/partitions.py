"""Partitions created ahead and on demand, retention by dropping whole months.

DDL runs in its own short transactions under an advisory lock, never inside an
ingestion transaction, so replicas of tracker do not deadlock on the parent tables.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import asyncpg
import structlog

from herald.runtime.clock import Clock
from herald.runtime.db import Database
from herald.tracker.domain.partitions import (
    PARTITIONED,
    Month,
    horizon,
    months_to_drop,
    months_to_keep_ready,
    parse_partition,
)
from herald.tracker.metrics import TrackerMetrics

log = structlog.get_logger(__name__)
_LOCK = "SELECT pg_advisory_xact_lock(hashtext('herald_tracker_partitions'))"
_LIST = """SELECT c.relname FROM pg_inherits i
           JOIN pg_class c ON c.oid = i.inhrelid
           JOIN pg_class p ON p.oid = i.inhparent
           JOIN pg_namespace n ON n.oid = p.relnamespace
           WHERE n.nspname = 'tracker' AND p.relname = $1"""


@dataclass(frozen=True, slots=True)
class Retention:
    retention_days: int
    months_ahead: int


class PartitionKeeper:
    def __init__(
        self,
        db: Database,
        policy: Retention,
        clock: Clock,
        metrics: TrackerMetrics,
    ) -> None:
        self._db, self._policy, self._clock, self._metrics = db, policy, clock, metrics
        self._known: set[Month] = set()

    def horizon(self) -> datetime:
        return horizon(self._clock(), self._policy.retention_days)

    def forget(self) -> None:
        """After a failed insert: another replica may have dropped what we thought was there."""
        self._known.clear()

    async def ensure(self, months: Iterable[Month]) -> None:
        """Make sure every month has its partitions (cheap when they are known)."""
        missing = sorted(set(months) - self._known)
        if not missing:
            return
        async with self._db.pool.acquire() as conn, conn.transaction():
            await conn.execute(_LOCK)
            for month in missing:
                for table in PARTITIONED:
                    await _create(conn, table, month)
        self._known.update(missing)

    async def run(self) -> None:
        """Create the coming months, drop the expired ones, prune the engagement ids and
        the finished requests that began before the horizon (their months are gone)."""
        now = self._clock()
        await self.ensure(months_to_keep_ready(now, self._policy.months_ahead))
        await self._drop_expired(now)
        edge = horizon(now, self._policy.retention_days)
        for sql in _PRUNE:
            while await _prune(self._db, sql, edge):
                pass

    async def _drop_expired(self, now: datetime) -> None:
        # A drop locks the parent table: wait for it briefly (a long report may hold it),
        # else give up until the next round rather than stall ingestion behind the lock.
        async with self._db.pool.acquire() as conn, conn.transaction():
            await conn.execute("SET LOCAL lock_timeout = '5s'")
            await conn.execute(_LOCK)
            for table in PARTITIONED:
                existing = await _existing(conn, table)
                for month in months_to_drop(existing, now, self._policy.retention_days):
                    await conn.execute(f"DROP TABLE IF EXISTS tracker.{month.partition(table)}")
                    self._known.discard(month)
                    self._metrics.partitions_dropped.labels(table).inc()
                    log.info("partition_dropped", table=table, month=f"{month.year}-{month.month}")
                self._metrics.partitions.labels(table).set(len(await _existing(conn, table)))


# Pruned in slices, each its own short transaction, so no long lock is ever held.
_PRUNE = (
    """DELETE FROM tracker.engagement_ids WHERE (tenant, event_id) IN (
           SELECT tenant, event_id FROM tracker.engagement_ids WHERE at < $1 LIMIT 10000)""",
    """DELETE FROM tracker.requests WHERE (tenant, request_id) IN (
           SELECT tenant, request_id FROM tracker.requests
           WHERE created_at < $1 AND final_status IS NOT NULL LIMIT 10000)""",
)


async def _prune(db: Database, sql: str, edge: datetime) -> bool:
    """Delete one slice; True if there may be more."""
    status: str = await db.pool.execute(sql, edge)
    return int(status.rsplit(maxsplit=1)[-1]) > 0


async def _existing(conn: asyncpg.Connection, table: str) -> list[Month]:
    found = [parse_partition(r["relname"]) for r in await conn.fetch(_LIST, table)]
    return [month for parsed in found if parsed is not None for month in (parsed[1],)]


async def _create(conn: asyncpg.Connection, table: str, month: Month) -> None:
    # identifiers come from Month (computed dates); the bounds are literals of those dates
    await conn.execute(
        f"CREATE TABLE IF NOT EXISTS tracker.{month.partition(table)} "
        f"PARTITION OF tracker.{table} "
        f"FOR VALUES FROM ('{month.start.isoformat()}') TO ('{month.end.isoformat()}')"
    )
