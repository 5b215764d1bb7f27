"""A provider with a bulk API gets a batch's sends in few `send_many` calls, each send
still answered, retried and failed over on its own."""

from collections.abc import Sequence
from dataclasses import dataclass, field

from herald.dispatcher.providers.base import Attempt, Message, Result
from herald.runtime.lane import critical_lane, pauses, slice_budget
from tests.unit.dispatcher.builders import send
from tests.unit.dispatcher.fakes import ScriptedProvider
from tests.unit.dispatcher.harness import Harness


@dataclass
class BulkProvider(ScriptedProvider):
    """Answers RETRYABLE for the delivery ids in `refuse`, SENT for the rest; records calls."""

    calls: list[list[str]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    async def send_many(self, messages: Sequence[Message]) -> list[Attempt]:
        self.calls.append([m.delivery_id for m in messages])
        self.sent.extend(messages)
        return [
            Attempt(Result.RETRYABLE if m.delivery_id in self.refuse else Result.SENT, self.name)
            for m in messages
        ]


async def test_a_batch_reaches_a_bulk_provider_in_few_calls_each_send_answered() -> None:
    bulk = BulkProvider("bulk-gw")
    h = Harness({"sms": [bulk]}, concurrency=64)
    await h.dispatcher.dispatch([send(f"d-bulk-{i}") for i in range(100)])
    outcomes = h.outcomes()
    assert sorted(o["delivery_id"] for o in outcomes) == sorted(f"d-bulk-{i}" for i in range(100))
    assert {o["outcome"] for o in outcomes} == {"sent"}
    assert sorted(d for call in bulk.calls for d in call) == sorted(
        f"d-bulk-{i}" for i in range(100)
    )
    assert len(bulk.calls) < 100


async def test_a_member_a_bulk_call_could_not_take_fails_over_alone() -> None:
    bulk = BulkProvider("bulk-gw", refuse={"d-bulk-7"})
    spare = ScriptedProvider("spare")
    h = Harness({"sms": [bulk, spare]}, max_attempts=1)
    await h.dispatcher.dispatch([send(f"d-bulk-{i}") for i in range(20)])
    by_id = {o["delivery_id"]: o for o in h.outcomes()}
    assert by_id["d-bulk-7"]["provider"] == "spare"
    assert {o["provider"] for d, o in by_id.items() if d != "d-bulk-7"} == {"bulk-gw"}
    assert [m.delivery_id for m in spare.sent] == ["d-bulk-7"]


async def test_a_batch_to_an_in_process_provider_gives_the_loop_back() -> None:
    """A send that never suspends would let one task run the whole batch in one step:
    bulk work pauses between sends (herald.runtime.lane), critical work does not."""
    before = slice_budget(0)
    try:
        h = Harness({"sms": [ScriptedProvider("gw")]})
        first = pauses()
        await h.dispatcher.dispatch([send(f"d-pause-{i}") for i in range(20)])
        bulk = pauses() - first
        with critical_lane():
            await h.dispatcher.dispatch([send(f"d-crit-{i}") for i in range(20)])
        assert bulk >= 20
        assert pauses() - first == bulk
        assert len(h.outcomes()) == 40
    finally:
        slice_budget(before)
