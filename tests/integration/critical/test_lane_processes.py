"""One-lane processes over the real broker and Postgres (issue 21, item 1): a scheduler
and a dispatcher that serve only the critical lane (`LANES=critical`) deliver a one-time
code, while the bulk processes beside them (`LANES=bulk`) deliver a marketing push; each
push is sent by the dispatcher of its own lane, and neither lane waits for the other.
The four services run in this process; the receivers are a local webhook sink."""

import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.critical.harness import (
    arrived,
    directory_has,
    lane_apps,
    member,
    push,
)
from tests.integration.scheduler.harness import approve
from tests.support.kafka import produce
from tests.support.service import create_topics, new_prefix, running
from tests.support.sink import HttpSink
from tests.support.waiting import eventually

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]
GUARD_S = 120
"""A guard against hanging, not a measurement."""


async def sends(client: httpx.AsyncClient) -> float:
    """Provider calls this dispatcher made (its own /metrics)."""
    text = (await client.get("/metrics")).text
    return sum(
        s.value
        for family in text_string_to_metric_families(text)
        if family.name == "herald_dispatcher_sends"
        for s in family.samples
        if s.name.endswith("_total")
    )


async def test_critical_only_processes_deliver_a_code_beside_the_bulk_processes(
    kafka: str, database_url: str, uid: str, tmp_path: Path
) -> None:
    prefix = new_prefix()
    await create_topics(kafka, prefix)
    sink = await HttpSink().start()

    scheduler, dispatcher = lane_apps(kafka, database_url, prefix, tmp_path)

    code, offer = f"otp-{uid}", f"offer-{uid}"
    people = [member(r, sink.url(f"/{r}")) for r in ("o-1", "m-1")]
    try:
        async with (
            running(scheduler("bulk")),
            running(scheduler("critical")),
            running(dispatcher("bulk")) as bulk,
            running(dispatcher("critical")) as critical,
        ):
            records = [(p.recipient_id, p.model_dump_json().encode()) for p in people]
            await produce(kafka, prefix + "push.recipients.v1", records)
            for table in ("scheduler.recipients", "dispatcher.consent"):  # the bulk ones keep them
                await eventually(lambda t=table: directory_has(database_url, 2, t), timeout=GUARD_S)
            now = datetime.now(UTC)
            await approve(kafka, prefix, push(offer, ["m-1"], "marketing"), now)
            await approve(kafka, prefix, push(code, ["o-1"], "transactional"), now)

            await eventually(lambda: arrived(sink, "/o-1"), timeout=GUARD_S, what="the code")
            await eventually(lambda: arrived(sink, "/m-1"), timeout=GUARD_S, what="the offer")
            assert (await sends(critical), await sends(bulk)) == (1, 1)
            codes = {json.loads(r.body)["request_id"] for r in sink.received if r.path == "/o-1"}
            assert codes == {code}
    finally:
        await sink.stop()
