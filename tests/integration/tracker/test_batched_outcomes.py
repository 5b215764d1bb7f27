"""push.outcomes.v1 carrying OutcomeBatch records beside old single Outcomes: the
tracker counts each recipient once, however often a batch is delivered."""

from datetime import UTC, datetime

import pytest

from herald.runtime.packing import Limits, pack_outcomes
from tests.integration.tracker.builders import outcome, scheduled
from tests.integration.tracker.harness import App
from tests.support.kafka import jbytes, produce
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


async def test_batches_delivered_twice_and_single_outcomes_are_counted_once(
    app: App, uid: str
) -> None:
    rid, n, now = f"ob-{uid}", 30, datetime.now(UTC)
    await app.send("push.status.v1", [(rid, scheduled(rid, n).model_dump(mode="json"))])
    outcomes = [outcome(rid, i, at=now) for i in range(n)]
    packed = pack_outcomes(outcomes[:25], Limits(max_items=8, shards=2))
    batches = [(key, value.raw) for key, value in packed]
    assert len(batches) >= 4
    singles = [(o.delivery_id, jbytes(o.model_dump(mode="json"))) for o in outcomes[20:]]
    # every batch twice (a redelivery), and outcomes 20-24 also as old single records
    await produce(app.kafka, app.topic("push.outcomes.v1"), batches + singles + batches)
    done = await eventually(
        lambda: [s.json() for s in app.status.for_key(rid) if s.json()["status"] == "completed"],
        what="completed",
    )
    assert done[0]["counts"]["delivered"] == n
    report = (await app.http.get(f"/v1/requests/{rid}/report", headers=app.as_("viewer"))).json()
    assert (report["recipients"], report["delivered"]) == (n, n)
