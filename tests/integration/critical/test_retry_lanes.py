"""A parked retry keeps its lane (issue 21, item 1), over the real broker and Postgres:
beside a `LANES=bulk` dispatcher, a critical-only one resumes the one-time code its
receiver turned away once, and the bulk one resumes the marketing push's; neither
resumes the other lane's. The services run in this process; the receivers are a local
webhook sink that answers each receiver's first call 503."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.integration.critical.harness import (
    directory_has,
    lane_apps,
    member,
    push,
)
from tests.integration.critical.test_lane_processes import GUARD_S, sends
from tests.integration.scheduler.harness import approve
from tests.support.kafka import produce
from tests.support.service import create_topics, new_prefix, running
from tests.support.sink import HttpSink, Received
from tests.support.waiting import eventually

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]


async def test_each_lanes_dispatcher_resumes_only_its_own_lanes_parked_sends(
    kafka: str, database_url: str, uid: str, tmp_path: Path
) -> None:
    prefix = new_prefix()
    await create_topics(kafka, prefix)
    turned_away: set[str] = set()

    async def first_call_fails(got: Received) -> int:
        if got.path in turned_away:
            return 200
        turned_away.add(got.path)
        return 503

    sink = await HttpSink(respond=first_call_fails).start()

    scheduler, dispatcher = lane_apps(
        kafka, database_url, prefix, tmp_path, backoff_base_s=0.2, retry_poll_s=0.2
    )

    code, offer = f"otp-{uid}", f"offer-{uid}"
    people = [member(r, sink.url(f"/{r}-{uid}")) for r in ("o", "m")]
    try:
        async with (
            running(scheduler("bulk")),
            running(scheduler("critical")),
            running(dispatcher("bulk")) as bulk,
            running(dispatcher("critical")) as critical,
        ):
            records = [(p.recipient_id, p.model_dump_json().encode()) for p in people]
            await produce(kafka, prefix + "push.recipients.v1", records)
            for table in ("scheduler.recipients", "dispatcher.consent"):
                await eventually(lambda t=table: directory_has(database_url, 2, t), timeout=GUARD_S)
            now = datetime.now(UTC)
            await approve(kafka, prefix, push(offer, ["m"], "marketing"), now)
            await approve(kafka, prefix, push(code, ["o"], "transactional"), now)

            for who in ("o", "m"):
                await eventually(
                    lambda w=who: delivered(sink, f"/{w}-{uid}"), timeout=GUARD_S, what=who
                )

            async def counted() -> tuple[float, float] | None:
                got = (await sends(critical), await sends(bulk))
                return got if sum(got) >= 4 else None

            # each lane's first call (503) and its resumed one, by its own lane's process
            assert await eventually(counted, timeout=GUARD_S, what="4 calls") == (2, 2)
            codes = {
                json.loads(r.body)["request_id"] for r in sink.received if r.path == f"/o-{uid}"
            }
            assert codes == {code}
    finally:
        await sink.stop()


def delivered(sink: HttpSink, path: str) -> bool:
    return any(r.path == path and r.answered == 200 for r in sink.received)
