"""Retention is a partition drop; reports over a time range read the partitions in it."""

from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from herald.tracker.domain.report import build_range_reports
from tests.integration.tracker.builders import event, outcome
from tests.integration.tracker.harness import Clock, Ledgered, build_ledgered

pytestmark = pytest.mark.integration
JAN = datetime(2025, 1, 10, 9, 0, tzinfo=UTC)


async def partitions(pool: asyncpg.Pool, table: str) -> list[str]:
    rows = await pool.fetch(
        """SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
           JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = $1 ORDER BY 1""",
        table,
    )
    return [r["relname"] for r in rows]


async def test_expired_months_are_dropped_whole_and_their_ids_forgotten(
    ledgered: Ledgered, uid: str
) -> None:
    h = build_ledgered(ledgered.pool, retention_days=30, clock=Clock(JAN + timedelta(days=2)))
    await h.tracker.on_outcomes([outcome(uid, i, at=JAN) for i in range(3)])
    await h.tracker.on_engagement([event(uid, 0, "clicked", at=JAN)])
    assert "outcomes_p202501" in await partitions(h.pool, "outcomes")

    h.clock.now = datetime(2025, 3, 20, tzinfo=UTC)  # horizon: 2025-02-01
    await h.keeper.run()

    outcomes = await partitions(h.pool, "outcomes")
    assert "outcomes_p202501" not in outcomes
    assert {"outcomes_p202503", "outcomes_p202504", "outcomes_p202505"} <= set(outcomes)
    assert "engagement_p202501" not in await partitions(h.pool, "engagement")
    assert await h.value("SELECT count(*) FROM tracker.outcomes") == 0
    assert await h.value("SELECT count(*) FROM tracker.engagement_ids") == 0

    # what is older than the horizon is not taken in again (it would only be dropped)
    await h.tracker.on_outcomes([outcome(uid, 0, at=JAN)])
    assert await h.value("SELECT count(*) FROM tracker.outcomes") == 0
    skipped = h.registry.get_sample_value(
        "herald_tracker_events_skipped_total",
        {"topic": "push.outcomes.v1", "reason": "before_retention"},
    )
    assert skipped == 1


async def test_an_outcome_of_a_request_whose_month_was_dropped_is_not_counted_again(
    ledgered: Ledgered, uid: str
) -> None:
    h = build_ledgered(ledgered.pool, retention_days=30, clock=Clock(JAN + timedelta(days=2)))
    await h.tracker.on_outcomes([outcome(uid, i, at=JAN) for i in range(3)])
    h.clock.now = datetime(2025, 3, 20, tzinfo=UTC)
    await h.keeper.run()

    # re-sent by a producer that stamps its own time now: its request began in January
    await h.tracker.on_outcomes([outcome(uid, i, at=h.clock.now) for i in range(4)])

    assert await h.value("SELECT count(*) FROM tracker.outcomes") == 0
    assert "outcomes_p202501" not in await partitions(h.pool, "outcomes")
    assert await h.value("SELECT outcomes FROM tracker.requests WHERE request_id = $1", uid) == 3
    skipped = h.registry.get_sample_value(
        "herald_tracker_events_skipped_total",
        {"topic": "push.outcomes.v1", "reason": "before_retention"},
    )
    assert skipped == 4


async def test_range_report_counts_the_outcomes_in_the_range_by_department(
    ledgered: Ledgered, uid: str
) -> None:
    h = ledgered
    day = datetime(2026, 11, 20, tzinfo=UTC)
    await h.tracker.on_outcomes(
        [
            *(outcome(uid, i, at=day) for i in range(4)),
            outcome(uid, 4, "suppressed", at=day, reason="opted_out"),
            outcome(f"{uid}o", 0, at=day, department="ops", channel="email"),
            outcome(f"{uid}x", 0, at=day - timedelta(days=30)),  # outside the range
        ]
    )
    await h.tracker.on_engagement(
        [event(uid, 0, "opened", at=day), event(uid, 1, "clicked", at=day)]
    )
    rows, deferrals = await h.ledger.range_rows(
        "acme", day - timedelta(days=1), day + timedelta(days=1), None
    )
    reports = build_range_reports(rows, deferrals)
    assert set(reports) == {"marketing", "ops"}
    marketing = reports["marketing"].as_json()
    assert marketing["recipients"] == 5
    assert marketing["delivered"] == 4
    assert marketing["suppressed_by_reason"] == {"opted_out": 1}
    assert (marketing["read_rate"], marketing["click_rate"]) == (0.25, 0.25)
    assert reports["ops"].as_json()["channels"]["email"]["delivered"] == 1

    only_ops, _ = await h.ledger.range_rows(
        "acme", day - timedelta(days=1), day + timedelta(days=1), "ops"
    )
    assert {r["department"] for r in only_ops} == {"ops"}
    other_tenant, _ = await h.ledger.range_rows(
        "globex", day - timedelta(days=1), day + timedelta(days=1), None
    )
    assert other_tenant == []
