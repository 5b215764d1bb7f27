"""Tracker's ledger on a real Postgres: idempotency, completion, later counts, erasure."""

from datetime import timedelta
from typing import Any

import pytest

from herald.contracts import Topic
from herald.tracker.domain.erasure import RecipientSeen
from herald.tracker.ports import Expected
from tests.integration.tracker.builders import NOW, event, outcome, scheduled
from tests.integration.tracker.harness import Ledgered

pytestmark = pytest.mark.integration


def statuses(h: Ledgered, rid: str) -> list[dict[str, Any]]:
    return [p.json() for p in h.events.on(Topic.STATUS) if p.key == rid]


async def test_the_same_batch_twice_is_recorded_once(ledgered: Ledgered, uid: str) -> None:
    h = ledgered
    batch = [outcome(uid, i) for i in range(50)] + [
        outcome(uid, 50, "suppressed", reason="no_contact")
    ]
    await h.tracker.on_statuses([Expected(scheduled(uid, 51))])
    await h.tracker.on_outcomes(batch)
    await h.tracker.on_outcomes(batch)
    await h.tracker.on_outcomes(batch[::-1] + batch)  # repeats inside one batch too

    assert await h.value("SELECT count(*) FROM tracker.outcomes WHERE request_id = $1", uid) == 51
    assert await h.value("SELECT outcomes FROM tracker.requests WHERE request_id = $1", uid) == 51
    [done] = statuses(h, uid)
    assert done["status"] == "completed"
    assert done["counts"]["delivered"] == 50
    assert done["counts"]["suppressed"] == 1
    assert done["labels"] == {"campaign": "winter"}


async def test_a_redelivered_outcome_with_another_time_still_counts_once(
    ledgered: Ledgered, uid: str
) -> None:
    h = ledgered
    first = outcome(uid, 0)
    again = first.model_copy(update={"at": first.at - timedelta(days=40)})  # another partition
    await h.tracker.on_outcomes([first])
    await h.tracker.on_outcomes([again])
    assert await h.value("SELECT count(*) FROM tracker.outcomes WHERE request_id = $1", uid) == 1


async def test_engagement_counts_distinct_deliveries_and_events_once(
    ledgered: Ledgered, uid: str
) -> None:
    h = ledgered
    await h.tracker.on_outcomes([outcome(uid, i) for i in range(4)] + [outcome(uid, 4, "failed")])
    clicks = [event(uid, 0, "clicked", n, url="https://shop.example.com/") for n in range(3)]
    events = [*clicks, event(uid, 1, "opened"), event(uid, 1, "read"), event(uid, 2, "read")]
    await h.tracker.on_engagement(events)
    await h.tracker.on_engagement(events)

    assert (
        await h.value(
            "SELECT count(*) FROM tracker.engagement WHERE delivery_id LIKE $1", f"d-{uid}-%"
        )
        == 6
    )
    rows, deferrals = await h.ledger.report_rows("acme", uid)
    from herald.tracker.domain.report import build_report

    report = build_report(5, rows, deferrals).as_json()
    assert report["delivered"] == 4
    assert report["clicked"] == 1
    assert report["opened"] == 2  # deliveries with opened or read
    assert report["read"] == 2
    assert report["read_rate"] == 0.5
    assert report["click_rate"] == 0.25
    assert report["failed_by_reason"] == {"unknown": 1}


async def test_counts_after_completion_are_announced_at_most_once_an_interval(
    ledgered: Ledgered, uid: str
) -> None:
    h = ledgered
    await h.tracker.on_statuses([Expected(scheduled(uid, 2))])
    await h.tracker.on_outcomes([outcome(uid, 0), outcome(uid, 1)])
    assert [s["status"] for s in statuses(h, uid)] == ["completed"]

    await h.tracker.on_engagement([event(uid, 0, "opened")])
    assert await h.tracker.publish_updates(30) == 0  # `completed` went out moments ago
    h.clock.now = NOW + timedelta(seconds=31)
    assert await h.tracker.publish_updates(30) == 1
    await h.tracker.on_engagement([event(uid, 1, "clicked")])
    assert await h.tracker.publish_updates(30) == 0  # announced moments ago
    h.clock.now = NOW + timedelta(seconds=62)
    assert await h.tracker.publish_updates(30) == 1
    assert await h.tracker.publish_updates(30) == 0  # nothing new

    later = statuses(h, uid)
    assert [s["status"] for s in later] == ["completed"] * 3
    assert [(s["counts"]["opened"], s["counts"]["clicked"]) for s in later] == [
        (0, 0),
        (1, 0),
        (1, 1),
    ]


async def test_deferrals_are_reported_by_reason(ledgered: Ledgered, uid: str) -> None:
    h = ledgered
    await h.tracker.on_outcomes(
        [
            outcome(uid, 0, deferred=["quiet_hours_deferred"]),
            outcome(uid, 1, deferred=["quiet_hours_deferred", "frequency_capped"]),
            outcome(uid, 2),
        ]
    )
    _rows, deferrals = await h.ledger.report_rows("acme", uid)
    assert {r["reason"]: r["n"] for r in deferrals} == {
        "quiet_hours_deferred": 2,
        "frequency_capped": 1,
    }


async def test_a_tombstone_unlinks_the_recipient_and_the_counts_stay(
    ledgered: Ledgered, uid: str
) -> None:
    h = ledgered
    person = f"u-{uid}-0"
    await h.tracker.on_outcomes([outcome(uid, 0, "failed", detail="+8613800000000 unreachable")])
    await h.tracker.on_outcomes([outcome(uid, 1)])
    await h.tracker.on_recipients([RecipientSeen("globex", person, True)])
    assert (  # another tenant's tombstone of the same id changes nothing here
        await h.value("SELECT count(*) FROM tracker.outcomes WHERE recipient_id = $1", person) == 1
    )
    await h.tracker.on_recipients([RecipientSeen("acme", person, True)])

    rows = await h.fetch(
        "SELECT recipient_id, detail FROM tracker.outcomes WHERE delivery_id = $1", f"d-{uid}-0"
    )
    assert rows == [{"recipient_id": None, "detail": ""}]
    assert await h.value("SELECT count(*) FROM tracker.outcomes WHERE request_id = $1", uid) == 2
    assert (
        await h.value("SELECT count(*) FROM tracker.outcomes WHERE recipient_id = $1", f"u-{uid}-1")
        == 1
    )

    # an outcome that arrives after the tombstone is stored unlinked as well
    late = outcome(f"{uid}b", 0, recipient_id=person)
    await h.tracker.on_outcomes([late])
    assert (
        await h.value("SELECT count(*) FROM tracker.outcomes WHERE recipient_id = $1", person) == 0
    )

    # a new profile under the id: it is a person again
    await h.tracker.on_recipients(
        [RecipientSeen("acme", person, True), RecipientSeen("acme", person, False)]
    )
    await h.tracker.on_outcomes([outcome(f"{uid}c", 0, recipient_id=person)])
    assert (
        await h.value("SELECT count(*) FROM tracker.outcomes WHERE recipient_id = $1", person) == 1
    )
