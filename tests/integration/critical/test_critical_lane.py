"""The critical lane over the real broker and Postgres (issue 21, item 1): a one-time
code submitted while a large marketing push's sends are backlogged (paced in the
scheduler, and queued on push.sends.v1 behind a slow receiver) reaches its recipient
before the marketing backlog drains. The scheduler and the dispatcher run in this
process; the receivers are a local webhook sink.

Ordering of events is asserted, never times: when the code arrives, marketing sends are
still waiting. Before the critical lane the code queued in the same paced lane behind
every marketing send due before it, and on the same topic behind their backlog."""

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from herald.dispatcher.main import create_app as dispatcher_app
from herald.scheduler.main import create_app as scheduler_app
from tests.integration.critical.harness import (
    arrived,
    directory_has,
    dispatcher_settings,
    member,
    push,
)
from tests.integration.scheduler.harness import approve
from tests.integration.scheduler.harness import settings as scheduler_settings
from tests.support.kafka import TopicWatcher, produce
from tests.support.service import create_topics, new_prefix, running
from tests.support.sink import HttpSink, Received
from tests.support.waiting import eventually

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]
N = 600
"""Marketing recipients: paced at 30 a second, their release alone takes 20 s."""
GUARD_S = 240
"""A guard against hanging, not a measurement."""


async def slow_marketing(got: Received) -> int:
    """Marketing receivers answer slowly: the dispatcher's bulk slots fill up."""
    if got.path.startswith("/m-"):
        await asyncio.sleep(0.3)
    return 200


async def test_a_one_time_code_overtakes_a_backlogged_marketing_push(
    kafka: str, database_url: str, uid: str, tmp_path: Path
) -> None:
    prefix = new_prefix()
    await create_topics(kafka, prefix)
    sink = await HttpSink(respond=slow_marketing).start()
    policy = {"default": {"rates": {"webhook": 30}}}  # critical lanes: unpaced
    scheduler = scheduler_settings(
        kafka, database_url, prefix, scheduler_policy_json=json.dumps(policy), release_batch=50
    )
    dispatcher = dispatcher_settings(
        kafka, database_url, prefix, tmp_path,
        max_in_flight=8, critical_reserve=0.25, send_consumers=1,
    )  # fmt: skip
    blast, code = f"blast-{uid}", f"otp-{uid}"
    ids = [f"m-{i:04d}" for i in range(N)]
    people = [member(r, sink.url(f"/{r}")) for r in ids] + [member("o-1", sink.url("/o-1"))]
    critical = await TopicWatcher(kafka, prefix + "push.sends_critical.v1").start()
    try:
        async with running(scheduler_app(scheduler)), running(dispatcher_app(dispatcher)):
            await produce(
                kafka,
                prefix + "push.recipients.v1",
                [(p.recipient_id, p.model_dump_json().encode()) for p in people],
            )
            await eventually(lambda: directory_has(database_url, N + 1), timeout=GUARD_S)
            await approve(kafka, prefix, push(blast, ids, "marketing"), datetime.now(UTC))
            await eventually(lambda: marketing(sink) > 0, timeout=GUARD_S, what="blast started")

            await approve(kafka, prefix, push(code, ["o-1"], "transactional"), datetime.now(UTC))
            await eventually(lambda: arrived(sink, "/o-1"), timeout=GUARD_S, what="the code")
            ahead = marketing(sink)

            assert ahead < N, "the code waited for the whole marketing backlog"
            # only the code travels the critical topic (a record may repeat: at least once);
            # the watcher may read it after the sink got the code
            await eventually(lambda: critical.seen, timeout=GUARD_S, what="the critical record")
            assert {s.json()["request_id"] for s in critical.seen} == {code}
    finally:
        await critical.stop()
        await sink.stop()


def marketing(sink: HttpSink) -> int:
    return sum(1 for r in sink.received if r.path.startswith("/m-"))
