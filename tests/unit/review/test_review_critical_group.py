"""Review's critical group (issue 21): `herald-review-critical` judges the critical
accepted requests, `herald-review` the others; neither waits for the other's batch."""

import asyncio
from datetime import datetime

from faststream.kafka import TestKafkaBroker
from tests.unit.review.builders import envelope, push
from tests.unit.review.fakes import FakeReviewRepository
from tests.unit.review.harness import Harness

from herald.contracts import Topic
from herald.contracts.internal import RequestEnvelope
from herald.review.domain import Decision
from herald.review.ports import Recorded
from herald.runtime.lane import current_lane


class GatedRepository(FakeReviewRepository):
    """Records which lane judged each request; the marketing requests' decisions wait
    until `open` is set (a bulk batch still being judged)."""

    def __init__(self) -> None:
        super().__init__()
        self.open = asyncio.Event()
        self.judged: list[tuple[str, str]] = []

    async def record(self, envelope: RequestEnvelope, decision: Decision, at: datetime) -> Recorded:
        self.judged.append((envelope.request.request_id, current_lane()))
        if envelope.request.category == "marketing":
            await self.open.wait()
        return await super().record(envelope, decision, at)


async def test_a_one_time_code_is_judged_while_a_bulk_batch_is_still_being_judged() -> None:
    gated = GatedRepository()
    h = Harness(repo=gated)
    async with TestKafkaBroker(h.broker) as br:
        marketing = [envelope(push(f"promo-{i}", category="marketing")) for i in range(3)]
        bulk = asyncio.create_task(h.send(br, *marketing))
        while not gated.judged:  # the bulk batch is being judged, held at its record
            await asyncio.sleep(0)
        await h.send(br, envelope(push("otp", category="transactional")))
        assert h.statuses("otp") == ["approved"]  # the bulk batch has not finished
        assert not any(h.statuses(e.request.request_id) for e in marketing)
        gated.open.set()
        await bulk
    assert [s for e in marketing for s in h.statuses(e.request.request_id)] == ["approved"] * 3
    assert sorted(gated.judged) == [
        ("otp", "critical"),
        ("promo-0", "bulk"),
        ("promo-1", "bulk"),
        ("promo-2", "bulk"),
    ]  # each once, by its own lane's group: the bulk group skipped the code


async def test_priority_critical_takes_the_critical_group_in_any_category() -> None:
    gated = GatedRepository()
    gated.open.set()
    h = Harness(repo=gated)
    async with TestKafkaBroker(h.broker) as br:
        await h.send(
            br,
            envelope(push("urgent", category="notification", priority="critical")),
            envelope(push("high", category="notification", priority="high")),
        )
    assert sorted(gated.judged) == [("high", "bulk"), ("urgent", "critical")]
    assert h.approved("urgent") and h.approved("high")
    assert not h.events.on(Topic.DLQ)
