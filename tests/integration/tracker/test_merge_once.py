"""The outcome merge finishes a request from what it wrote (issue 17.3): completion is
announced once, whichever batch completes it and however often batches come again."""

from typing import Any

import pytest

from herald.contracts import Topic
from herald.tracker.ports import Expected
from tests.integration.tracker.builders import outcome, scheduled
from tests.integration.tracker.harness import Ledgered

pytestmark = pytest.mark.integration


def statuses(h: Ledgered, rid: str) -> list[dict[str, Any]]:
    return [p.json() for p in h.events.on(Topic.STATUS) if p.key == rid]


async def test_the_completing_batch_redelivered_announces_nothing_more(
    ledgered: Ledgered, uid: str
) -> None:
    h = ledgered
    first, last = [outcome(uid, i) for i in range(5)], [outcome(uid, i) for i in range(5, 10)]
    await h.tracker.on_statuses([Expected(scheduled(uid, 10))])
    await h.tracker.on_outcomes(first)
    assert statuses(h, uid) == []
    await h.tracker.on_outcomes(last)
    await h.tracker.on_outcomes(last)
    await h.tracker.on_outcomes(first + last)

    [done] = statuses(h, uid)
    assert (done["status"], done["counts"]["delivered"]) == ("completed", 10)
    assert await h.value("SELECT outcomes FROM tracker.requests WHERE request_id = $1", uid) == 10


async def test_outcomes_before_their_schedule_complete_when_it_arrives(
    ledgered: Ledgered, uid: str
) -> None:
    h = ledgered
    batch = [outcome(uid, 0), outcome(uid, 1, "failed"), outcome(uid, 2, "suppressed")]
    await h.tracker.on_outcomes(batch)
    assert statuses(h, uid) == []
    await h.tracker.on_statuses([Expected(scheduled(uid, 3))])
    await h.tracker.on_outcomes(batch)
    await h.tracker.on_statuses([Expected(scheduled(uid, 3))])

    [done] = statuses(h, uid)
    assert done["counts"]["delivered"] == 1
    assert done["labels"] == {"campaign": "winter"}


async def test_two_requests_in_one_batch_finish_each_once(ledgered: Ledgered, uid: str) -> None:
    h = ledgered
    a, b = f"{uid}-a", f"{uid}-b"
    await h.tracker.on_statuses([Expected(scheduled(a, 2)), Expected(scheduled(b, 3))])
    mixed = [outcome(a, 0), outcome(b, 0), outcome(a, 1), outcome(b, 1)]
    await h.tracker.on_outcomes(mixed)
    assert [s["status"] for s in statuses(h, a)] == ["completed"]
    assert statuses(h, b) == []
    await h.tracker.on_outcomes([*mixed, outcome(b, 2, detail="a, comma")])
    assert [s["status"] for s in statuses(h, a)] == ["completed"]
    assert [s["status"] for s in statuses(h, b)] == ["completed"]
    detail = "SELECT detail FROM tracker.outcomes WHERE delivery_id = $1"
    assert await h.value(detail, f"d-{b}-2") == "a, comma"
