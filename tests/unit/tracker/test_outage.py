"""A partition another replica dropped is a passing condition: the batch is retried (as
for any outage, never dead-lettered) after the partitions known are forgotten, so that
the retry creates it again."""

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from prometheus_client import CollectorRegistry

from herald.contracts.internal import Outcome
from herald.runtime.transient import TRANSIENT
from herald.tracker.metrics import TrackerMetrics
from herald.tracker.ports import PartitionMissingError
from herald.tracker.tracking import Tracker
from tests.support.fakes import FakeEventBus
from tests.unit.tracker.fakes import FakeLedger, FakePartitions

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


class DroppedPartition(FakeLedger):
    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[FakeLedger]:
        raise PartitionMissingError("no partition of relation found for row")
        yield self


async def test_a_missing_partition_is_retried_after_forgetting_the_known_ones() -> None:
    partitions = FakePartitions(edge=datetime(2025, 11, 1, tzinfo=UTC))
    metrics = TrackerMetrics(CollectorRegistry(), {"acme"})
    tracker = Tracker(DroppedPartition(), partitions, FakeEventBus(), metrics, lambda: NOW)  # type: ignore[arg-type]
    sent = Outcome.model_validate(
        {"delivery_id": "d-1", "request_id": "r-1", "tenant": "acme", "department": "m",
         "recipient_id": "u-1", "outcome": "sent", "channel": "sms", "at": NOW}
    )  # fmt: skip
    with pytest.raises(PartitionMissingError) as caught:
        await tracker.on_outcomes([sent])
    assert isinstance(caught.value, TRANSIENT)  # the runtime's consumer retries it
    assert partitions.ensured == set()  # forgotten: ensured again on the retry
