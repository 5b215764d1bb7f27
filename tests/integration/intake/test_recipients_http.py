"""Intake's recipient API on the real broker: what an import and an erasure publish, and
what the API refuses."""

import json

import pytest

from herald.contracts import Recipient
from herald.runtime.provenance import ProducerDirectory, RecordVerifier
from tests.integration.intake.harness import Intake
from tests.support.kafka import TopicWatcher
from tests.support.signing import KEYS
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration
NDJSON = {"content-type": "application/x-ndjson"}


async def test_an_import_and_an_erasure_are_signed_records_of_the_key_s_tenant(
    intake: Intake, uid: str
) -> None:
    topic = intake.topic("push.recipients.v1")
    watch = await TopicWatcher(intake.kafka, topic).start()
    try:
        rows = [{"recipient_id": f"r-{uid}-{i}", "attributes": {"tier": "gold"}} for i in range(3)]
        body = "\n".join(json.dumps(r) for r in rows).encode()  # no final newline
        r = await intake.http.post(
            "/v1/recipients/import?mode=best_effort",
            content=body,
            headers=intake.as_("globex", "directory") | NDJSON,
        )
        assert r.status_code == 200, r.text
        assert r.json()["published"] == 3
        gone = await intake.http.delete(
            f"/v1/recipients/r-{uid}-0", headers=intake.as_("globex", "admin")
        )
        assert gone.status_code == 202
        seen = await eventually(lambda: len(watch.seen) >= 4 and watch.seen, what="4 records")
    finally:
        await watch.stop()
    verifier = RecordVerifier(KEYS, ProducerDirectory())
    for record in seen:
        headers = [(k, v.encode()) for k, v in record.headers.items()]
        key = record.key.encode() if record.key else None
        producer = verifier.verify(
            "push.recipients.v1", key, record.value, headers, producers_allowed=True
        )
        assert (producer.id, producer.tenant) == ("herald@globex", "globex")
    profiles = [Recipient.model_validate_json(s.value) for s in seen if s.value is not None]
    assert {(p.tenant, p.recipient_id) for p in profiles} == {
        ("globex", f"r-{uid}-{i}") for i in range(3)
    }
    assert all(p.attributes == {"tier": "gold"} for p in profiles)
    [tombstone] = [s for s in seen if s.value is None]
    assert tombstone.key == f"r-{uid}-0"


async def test_the_api_refuses_what_it_must(intake: Intake, uid: str) -> None:
    post = intake.http.post
    viewer = await post(
        "/v1/recipients/import", content=b"{}", headers=intake.as_("acme", "viewer")
    )
    assert viewer.status_code == 403
    text = await post(
        "/v1/recipients/import",
        content=b"x",
        headers=intake.as_("acme", "directory") | {"content-type": "text/plain"},
    )
    assert text.status_code == 415
    header = await post(
        "/v1/recipients/import",
        content=b"recipient_id,shoe_size\nu-1,42\n",
        headers=intake.as_("acme", "directory") | {"content-type": "text/csv"},
    )
    assert header.status_code == 422 and "shoe_size" in header.json()["detail"]
    huge = intake.settings.recipients_import_max_bytes + 1
    too_big = await post(
        "/v1/recipients/import",
        content=b"",
        headers=intake.as_("acme", "directory") | NDJSON | {"content-length": str(huge)},
    )
    assert too_big.status_code == 413
    bad = b'{"recipient_id": "ok-%s"}\n{"recipient_id": "not ok"}\n' % uid.encode()
    refused = await post(
        "/v1/recipients/import", content=bad, headers=intake.as_("acme", "directory") | NDJSON
    )
    assert refused.status_code == 422
    report = refused.json()["report"]
    assert (report["published"], report["rejected"]) == (0, 1)
    assert report["errors"][0]["line"] == 2
    odd = await intake.http.delete("/v1/recipients/a%20b", headers=intake.as_("acme", "admin"))
    assert odd.status_code == 404
