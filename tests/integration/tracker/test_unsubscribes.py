"""The request report counts opt-outs: Herald's `unsubscribed` engagement (its signed
opt-out link was used) per delivery, and the unsubscribe rate over what was sent; the
same kind reported by a client (Kafka or HTTP) is refused."""

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.integration.tracker.harness import App, finished
from tests.support.kafka import jbytes, produce
from tests.support.signing import herald_signer
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


def unsubscribed(did: str, **over: Any) -> dict[str, Any]:
    at = datetime.now(UTC).isoformat()
    return {"event_id": f"unsubscribed-{did}", "delivery_id": did, "kind": "unsubscribed",
            "at": at, **over}  # fmt: skip


async def test_report_counts_herald_unsubscribes_and_their_rate(app: App, uid: str) -> None:
    await finished(app, uid, 5)  # 4 delivered, 1 suppressed
    herald = [(f"d-{uid}-0", unsubscribed(f"d-{uid}-0"))]
    await produce(app.kafka, app.topic("push.engagement.v1"), [(k, jbytes(v)) for k, v in herald],
                  signer=herald_signer())  # fmt: skip
    client = unsubscribed(f"d-{uid}-1", event_id=f"client-{uid}")  # signed by acme's producer
    await app.send("push.engagement.v1", [(f"d-{uid}-1", client)])

    async def counted() -> dict[str, Any] | None:
        r = await app.http.get(f"/v1/requests/{uid}/report", headers=app.as_("viewer"))
        body: dict[str, Any] = r.json()
        return body if body["unsubscribed"] else None

    over_http = {**client, "event_id": f"http-{uid}", "delivery_id": f"d-{uid}-2"}
    posted = await app.http.post("/v1/engagement", json=over_http, headers=app.as_("reporter"))
    assert posted.status_code == 403
    body = await eventually(counted, what="the unsubscribe counted")
    assert (body["unsubscribed"], body["unsubscribe_rate"]) == (1, 0.25)
    assert body["channels"]["sms"]["unsubscribed"] == 1
    csv = await app.http.get(
        f"/v1/requests/{uid}/report", headers={**app.as_("viewer"), "accept": "text/csv"}
    )
    header, everything = csv.text.splitlines()[:2]
    assert header.endswith(",unsubscribed,unsubscribe_rate")
    assert everything.endswith(",1,0.25")
