"""A request's current status when statuses arrive out of order (issue 16): review, the
scheduler and the tracker publish independently, so an older status may arrive after a
newer one; it is kept in the history but never becomes the request's status."""

from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from herald.contracts import Status, StatusKind
from tests.integration.intake.builders import request_body
from tests.integration.intake.harness import Intake
from tests.support.kafka import produce
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


async def test_an_older_status_arriving_late_never_replaces_a_newer_one(
    intake: Intake, uid: str
) -> None:
    rid = f"order-{uid}"
    r = await intake.http.post(
        "/v1/requests", json=request_body(rid), headers=intake.as_("acme", "submitter")
    )
    assert r.status_code == 202, r.text
    t0 = datetime.now(UTC)
    arrivals = [  # (kind, seconds after t0), in the order they reach intake
        ("approved", 2),
        ("pending_review", 1),  # older: review's first word, delivered late
        ("completed", 10),
        ("dispatching", 20),  # not final, and stamped later by a clock ahead of the rest
        ("scheduled", 5),
    ]
    items = [
        (rid, Status(request_id=rid, tenant="acme", status=StatusKind(k), at=t0 + timedelta(
            seconds=s)).model_dump_json().encode())
        for k, s in arrivals
    ]  # fmt: skip
    await produce(intake.kafka, intake.topic("push.status.v1"), items)
    viewer = intake.as_("acme", "viewer")

    async def history_complete() -> bool:
        conn = await asyncpg.connect(intake.settings.database_url.get_secret_value())
        try:
            n = await conn.fetchval(
                "SELECT count(*) FROM intake.status_history WHERE request_id = $1", rid
            )
        finally:
            await conn.close()
        return bool(n == len(arrivals) + 1)  # and `accepted`

    await eventually(history_complete, what="every status in the history")
    current = (await intake.http.get(f"/v1/requests/{rid}", headers=viewer)).json()
    assert current["status"] == "completed"
    assert current["at"] == (t0 + timedelta(seconds=10)).isoformat().replace("+00:00", "Z")
