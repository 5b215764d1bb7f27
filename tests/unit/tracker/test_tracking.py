"""Tracker's service layer with fake storage: completion, what is skipped, the metrics."""

from datetime import UTC, datetime, timedelta

from prometheus_client import CollectorRegistry

from herald.contracts import Counts, Engagement, Status, StatusKind, Topic
from herald.contracts.internal import Outcome
from herald.tracker.domain.partitions import Month
from herald.tracker.metrics import TrackerMetrics
from herald.tracker.ports import Expected
from herald.tracker.tracking import Tracker
from tests.support.fakes import FakeEventBus
from tests.unit.tracker.fakes import FakeLedger, FakePartitions, Request

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


class Harness:
    def __init__(self) -> None:
        self.ledger = FakeLedger()
        self.partitions = FakePartitions(edge=datetime(2025, 11, 1, tzinfo=UTC))
        self.events = FakeEventBus()
        self.registry = CollectorRegistry()
        metrics = TrackerMetrics(self.registry, {"acme"})
        self.tracker = Tracker(
            self.ledger,
            self.partitions,
            self.events,
            metrics,
            lambda: NOW,  # type: ignore[arg-type]
        )

    def sample(self, name: str, **labels: str) -> float | None:
        return self.registry.get_sample_value(name, labels)


def outcome(i: int, kind: str = "delivered", at: datetime = NOW, **over: object) -> Outcome:
    return Outcome.model_validate(
        {"delivery_id": f"d-{i}", "request_id": "r-1", "tenant": "acme", "department": "m",
         "recipient_id": f"u-{i}", "outcome": kind, "channel": "sms", "at": at, **over}
    )  # fmt: skip


def scheduled(n: int) -> Status:
    return Status(
        request_id="r-1", tenant="acme", status=StatusKind.SCHEDULED, at=NOW,
        counts=Counts(recipients=n), labels={"c": "w"},
    )  # fmt: skip


async def test_the_request_completes_once_every_recipient_has_an_outcome() -> None:
    h = Harness()
    await h.tracker.on_statuses([Expected(scheduled(3), "trace-r1")])
    await h.tracker.on_outcomes([outcome(0), outcome(1)])
    assert h.events.on(Topic.STATUS) == []
    await h.tracker.on_outcomes([outcome(1), outcome(2, "failed")])
    [announced] = h.events.on(Topic.STATUS)
    done = announced.json()
    assert (done["status"], done["labels"]) == ("completed", {"c": "w"})
    assert announced.headers == {"x-trace-id": "trace-r1"}  # the request's, carried on
    assert (done["counts"]["delivered"], done["counts"]["failed"]) == (2, 1)
    assert h.ledger.announcements == [(("acme", "r-1"), "completed")]
    await h.tracker.on_outcomes([outcome(2, "failed")])  # redelivered: nothing more
    assert len(h.events.on(Topic.STATUS)) == 1


async def test_requests_one_batch_finishes_each_get_their_own_final_status() -> None:
    h = Harness()
    ids = ("r-1", "r-2", "r-3")
    statuses = [scheduled(1).model_copy(update={"request_id": rid}) for rid in ids]
    await h.tracker.on_statuses([Expected(s, f"trace-{s.request_id}") for s in statuses])
    kinds = {"r-1": "delivered", "r-2": "failed", "r-3": "delivered"}
    await h.tracker.on_outcomes(
        [outcome(i, kinds[rid], request_id=rid) for i, rid in enumerate(ids)]
    )
    announced = {m.json()["request_id"]: m for m in h.events.on(Topic.STATUS)}
    assert sorted(announced) == list(ids)
    for rid in ids:
        assert announced[rid].headers == {"x-trace-id": f"trace-{rid}"}
    assert sorted(h.ledger.announcements) == sorted(
        (("acme", rid), announced[rid].json()["status"]) for rid in ids
    )
    await h.tracker.on_outcomes([outcome(1, "failed", request_id="r-2")])  # redelivered
    assert len(h.events.on(Topic.STATUS)) == 3


async def test_outcomes_before_the_horizon_are_counted_as_skipped_not_stored() -> None:
    h = Harness()
    await h.tracker.on_outcomes([outcome(0, at=NOW - timedelta(days=400)), outcome(1)])
    assert list(h.ledger.outcomes) == ["d-1"]
    assert h.partitions.ensured == {Month(2026, 11)}
    skipped = h.sample(
        "herald_tracker_events_skipped_total", topic="push.outcomes.v1", reason="before_retention"
    )
    assert skipped == 1
    recorded = h.sample(
        "herald_tracker_outcomes_total", tenant="acme", channel="sms", outcome="delivered"
    )
    assert recorded == 1
    assert h.sample("herald_tracker_batch_size_count", topic="push.outcomes.v1") == 1


async def test_engagement_from_the_future_is_not_recorded() -> None:
    h = Harness()
    events = [
        Engagement(event_id=f"e-{i}", delivery_id="d-1", kind="opened", at=NOW + ahead)
        for i, ahead in enumerate((timedelta(0), timedelta(hours=2), timedelta(days=2)))
    ]
    await h.tracker.on_engagement(events)
    assert sorted(h.ledger.events) == ["e-0", "e-1"]
    future = h.sample(
        "herald_tracker_events_skipped_total", topic="push.engagement.v1", reason="future"
    )
    assert future == 1
    assert (
        h.sample("herald_tracker_engagement_total", tenant="other", channel="none", kind="opened")
        == 2
    )


async def test_statuses_other_than_scheduled_change_nothing() -> None:
    h = Harness()
    completed = scheduled(1).model_copy(update={"status": StatusKind.COMPLETED})
    await h.tracker.on_statuses([Expected(completed)])
    assert h.ledger.requests == {}


async def test_outcomes_go_to_the_month_their_request_began_whatever_their_own_time() -> None:
    h = Harness()
    began = datetime(2026, 9, 30, 23, 0, tzinfo=UTC)
    await h.tracker.on_outcomes([outcome(1, at=began + timedelta(hours=2)), outcome(0, at=began)])
    await h.tracker.on_outcomes([outcome(2, at=NOW)])
    assert h.partitions.ensured == {Month(2026, 9)}  # never October or November
    assert h.ledger.requests["acme", "r-1"].began == began


async def test_outcomes_of_a_request_that_began_before_the_horizon_are_skipped() -> None:
    h = Harness()
    long_ago = datetime(2025, 6, 1, tzinfo=UTC)  # its month is dropped: horizon 2025-11
    h.ledger.requests["acme", "r-1"] = Request("acme", "r-1", began=long_ago)
    await h.tracker.on_outcomes([outcome(0, at=NOW), outcome(1, at=NOW)])
    assert h.ledger.outcomes == {}
    assert h.partitions.ensured == set()
    skipped = h.sample(
        "herald_tracker_events_skipped_total",
        topic="push.outcomes.v1",
        reason="before_retention",
    )
    assert skipped == 2
