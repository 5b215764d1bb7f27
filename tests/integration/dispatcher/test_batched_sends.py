"""push.sends.v1 carrying SendBatch records (herald.runtime.batches), beside old single
Sends: each recipient sent once, answered by OutcomeBatch records, a redelivered batch
sending nothing twice. The dispatcher in-process, the real broker and Postgres."""

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from herald.contracts.internal import Send
from herald.devstack.postgres import create_database
from herald.dispatcher.main import create_app
from herald.dispatcher.settings import DispatcherSettings
from herald.runtime.packing import Limits, pack_sends
from tests.integration.dispatcher.stub import Stub
from tests.support.kafka import TopicWatcher, produce
from tests.support.keys import write_keys
from tests.support.service import create_topics, new_prefix, running, service_env
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


@dataclass
class Running:
    kafka: str
    prefix: str
    hooks: Stub
    outcomes: TopicWatcher

    async def records(self, items: list[tuple[str, bytes]]) -> None:
        await produce(self.kafka, self.prefix + "push.sends.v1", list(items))

    def sends_to(self, rid: str) -> list[str]:
        """The recipients of `rid` the webhook receiver heard from, once per call."""
        return [s.path.rsplit("/", 1)[1] for s in self.hooks.seen if f"/{rid}/" in s.path]

    def outcomes_of(self, rid: str) -> list[dict[str, Any]]:
        return [o for o in self.outcomes.items() if o["request_id"] == rid]


def sends(rid: str, n: int, start: int = 0, hooks: Stub | None = None) -> list[Send]:
    assert hooks is not None
    return [
        Send.model_validate(
            {
                "delivery_id": f"d-{rid}-{i}",
                "request_id": rid,
                "tenant": "acme",
                "department": "mkt",
                "recipient_id": f"u-{i}",
                "category": "notification",
                "priority": "normal",
                "channels": ["webhook"],
                "contacts": {"webhook": hooks.url(f"/h/{rid}/u-{i}")},
                "content": {"title": "Sale", "body": "Half price today"},
                "labels": {"campaign": "winter"},
                "due_at": datetime.now(UTC).isoformat(),
                "trace_id": f"trace-{rid}",
            }
        )
        for i in range(start, start + n)
    ]


def batched(items: list[Send], limits: Limits | None = None) -> list[tuple[str, bytes]]:
    return [(key, value.raw) for key, value in pack_sends(items, limits or Limits())]


@pytest.fixture(scope="module")
async def dispatcher(
    kafka: str, pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Running]:
    prefix, folder = new_prefix(), tmp_path_factory.mktemp("batched")
    write_keys(folder / "keys.json")
    await create_topics(kafka, prefix)
    database_url = await create_database(pg_admin_url, f"t_{uuid.uuid4().hex[:12]}")
    hooks = await Stub().start()
    settings = DispatcherSettings(
        **service_env(
            kafka,
            database_url,
            prefix,
            api_keys_file=str(folder / "keys.json"),
            signing_secret="sign-me-sign-me-sign-me-sign-me!",
            tracking_keys="k1:tracking-secret-tracking-secret-0123",
            providers_json=json.dumps({"channels": {"webhook": ["webhook"]}}),
            webhook_allow_private=True,
        )
    )
    outcomes = await TopicWatcher(kafka, prefix + "push.outcomes.v1").start()
    try:
        async with running(create_app(settings)):
            yield Running(kafka, prefix, hooks, outcomes)
    finally:
        await outcomes.stop()
        await hooks.stop()


async def test_a_batch_of_many_recipients_is_sent_to_each_and_answered_in_outcome_batches(
    dispatcher: Running, uid: str
) -> None:
    d, rid, n = dispatcher, f"batch-{uid}", 120
    records = batched(sends(rid, n, hooks=d.hooks), Limits(max_items=50, shards=2))
    assert len(records) < n / 10  # a few records carry them all
    await d.records(records)
    done = await eventually(
        lambda: len(d.outcomes_of(rid)) >= n or None, timeout=60, what="every outcome"
    )
    assert done
    assert sorted(d.sends_to(rid)) == sorted(f"u-{i}" for i in range(n))
    outcomes = d.outcomes_of(rid)
    assert {o["delivery_id"] for o in outcomes} == {f"d-{rid}-{i}" for i in range(n)}
    assert {o["outcome"] for o in outcomes} <= {"sent", "delivered"}
    assert {o["trace_id"] for o in outcomes} == {f"trace-{rid}"}
    answers = [s for s in d.outcomes.seen if rid in (s.key or "")]
    assert answers and all("batch_id" in s.json() for s in answers)
    assert len(answers) < n  # each record answers several (as many as finished together)


async def test_old_single_sends_and_batches_mixed_on_the_topic_are_all_sent(
    dispatcher: Running, uid: str
) -> None:
    d, rid = dispatcher, f"mixed-{uid}"
    old = [(s.delivery_id, s.model_dump_json().encode()) for s in sends(rid, 3, hooks=d.hooks)]
    new = batched(sends(rid, 5, start=3, hooks=d.hooks))
    await d.records([old[0], new[0], old[1], *new[1:], old[2]])
    await eventually(lambda: len(d.outcomes_of(rid)) >= 8 or None, timeout=60, what="outcomes")
    assert sorted(d.sends_to(rid)) == sorted(f"u-{i}" for i in range(8))


async def test_a_redelivered_batch_sends_nothing_twice(dispatcher: Running, uid: str) -> None:
    d, rid, n = dispatcher, f"again-{uid}", 20
    records = batched(sends(rid, n, hooks=d.hooks))
    await d.records(records)
    await eventually(lambda: len(d.outcomes_of(rid)) >= n or None, timeout=60, what="outcomes")
    await d.records(records)  # as after a crash before the offsets were committed
    await eventually(
        lambda: len(d.outcomes_of(rid)) >= 2 * n or None, timeout=60, what="repeated outcomes"
    )
    assert sorted(d.sends_to(rid)) == sorted(f"u-{i}" for i in range(n))
