"""The tracker app end to end in-process: Kafka in, Status out, reports and engagement
endpoints over HTTP, erasure, metrics."""

import asyncio
import base64
import json
import shutil
from asyncio.subprocess import PIPE, STDOUT
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from herald.runtime.links import PIXEL_URL, LinkSigner, parse_keys
from tests.integration.tracker.builders import scheduled
from tests.integration.tracker.harness import (
    TRACKING_KEYS,
    App,
    finished,
    outcome_json,
)
from tests.support.kafka import TopicWatcher
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration
SIGNER = LinkSigner(parse_keys(TRACKING_KEYS))
OLD_KEY = LinkSigner(parse_keys("k1:first-secret-for-tests-0123456789"))  # still listed: verifies
FUTURE = datetime.now(UTC) + timedelta(days=7)


async def test_request_completes_and_its_report_reads_as_json_and_csv(app: App, uid: str) -> None:
    done = await finished(app, uid, 4)
    assert done["counts"]["delivered"] == 3  # type: ignore[index]
    assert done["counts"]["suppressed"] == 1  # type: ignore[index]

    r = await app.http.get(f"/v1/requests/{uid}/report", headers=app.as_("viewer"))
    assert r.status_code == 200
    body = r.json()
    assert (body["status"], body["delivered"], body["recipients"]) == ("completed", 3, 4)
    assert body["suppressed_by_reason"] == {"opted_out": 1}
    assert body["channels"]["sms"]["delivered"] == 3
    assert body["read_rate"] == 0.0

    csv = await app.http.get(
        f"/v1/requests/{uid}/report", headers={**app.as_("viewer"), "accept": "text/csv"}
    )
    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.splitlines()
    assert lines[0].startswith("department,channel,recipients,sent,delivered")
    assert lines[1].startswith("marketing,all,4,3,3,0,1,")

    other = await app.http.get(f"/v1/requests/{uid}/report", headers=app.as_("viewer", "globex"))
    assert other.status_code == 404


async def test_the_requests_trace_id_rides_on_the_status_tracker_publishes(
    app: App, uid: str
) -> None:
    trace = f"trace-{uid}"
    scheduled_status = scheduled(uid, 1).model_dump(mode="json")
    await app.send("push.status.v1", [(uid, scheduled_status)], {"x-trace-id": trace})
    await app.send("push.outcomes.v1", [(f"d-{uid}-0", outcome_json(uid, 0))])
    [done] = await eventually(
        lambda: [s for s in app.status.for_key(uid) if s.json()["status"] == "completed"],
        what="completed",
    )
    assert done.headers["x-trace-id"] == trace


async def test_a_signed_link_records_a_click_and_redirects(app: App, uid: str) -> None:
    await finished(app, uid, 2)
    for signer in (SIGNER, OLD_KEY):
        token = signer.sign(f"d-{uid}-0", "https://shop.example.com/winter?x=1", FUTURE)
        r = await app.http.get(f"/r/{token}")
        assert r.status_code == 302
        assert r.headers["location"] == "https://shop.example.com/winter?x=1"

    def both() -> list[dict[str, str]] | None:
        seen = [s.json() for s in app.engagement.for_key(f"d-{uid}-0")]
        return seen if len(seen) >= 2 else None

    clicks = await eventually(both, what="both click events")
    assert {c["kind"] for c in clicks} == {"clicked"}
    assert len({c["event_id"] for c in clicks}) == 2  # each hit is its own event

    async def clicked() -> object:
        body = (await app.http.get(f"/v1/requests/{uid}/report", headers=app.as_("viewer"))).json()
        return body if body["clicked"] == 1 else None

    body = await eventually(clicked, what="the click in the report")
    assert body["click_rate"] == 1.0  # one delivered, one clicked: distinct deliveries
    updated = await eventually(
        lambda: [s.json() for s in app.status.for_key(uid) if s.json()["counts"]["clicked"] == 1],
        what="an updated Status with the click",
    )
    assert updated[0]["status"] == "completed"


@pytest.mark.parametrize("case", ["tampered", "expired", "unknown_key", "pixel_as_link", "junk"])
async def test_a_bad_link_is_not_found_and_never_redirects(app: App, case: str) -> None:
    good = SIGNER.sign("d-1", "https://shop.example.com/", FUTURE)
    _, kid, mac = good.split(".")
    evil = SIGNER.sign("d-2", "https://evil.example.com/", FUTURE).split(".")[0]
    token = {
        "tampered": f"{evil}.{kid}.{mac}",
        "expired": SIGNER.sign(
            "d-1", "https://shop.example.com/", datetime.now(UTC) - timedelta(seconds=1)
        ),
        "unknown_key": LinkSigner({"k9": b"someone-else"}).sign(
            "d-1", "https://shop.example.com/", FUTURE
        ),
        "pixel_as_link": SIGNER.sign("d-1", PIXEL_URL, FUTURE),
        "junk": "not-a-token",
    }[case]
    r = await app.http.get(f"/r/{token}")
    assert r.status_code == 404
    assert "location" not in r.headers
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "not_found"


async def test_the_open_pixel_records_an_open(app: App, uid: str) -> None:
    r = await app.http.get(f"/o/{SIGNER.sign(f'd-{uid}-0', PIXEL_URL, FUTURE)}")
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/gif"
    assert r.content.startswith(b"GIF89a")
    opened = await eventually(lambda: app.engagement.for_key(f"d-{uid}-0"), what="open event")
    assert opened[0].json()["kind"] == "opened"
    link_token = SIGNER.sign(f"d-{uid}-0", "https://shop.example.com/", FUTURE)
    assert (await app.http.get(f"/o/{link_token}")).status_code == 404


async def test_apps_report_engagement_over_http_with_a_reporter_key(app: App, uid: str) -> None:
    await finished(app, uid, 3)
    one = {"event_id": f"e-{uid}-1", "delivery_id": f"d-{uid}-0", "kind": "read",
           "at": datetime.now(UTC).isoformat()}  # fmt: skip
    many = [one, {**one, "event_id": f"e-{uid}-2", "delivery_id": f"d-{uid}-1"}]
    assert (await app.http.post("/v1/engagement", json=one)).status_code == 401
    for role in ("viewer", "submitter"):
        forbidden = await app.http.post("/v1/engagement", json=one, headers=app.as_(role))
        assert forbidden.status_code == 403
    bad = await app.http.post(
        "/v1/engagement", json={**one, "kind": "liked"}, headers=app.as_("reporter")
    )
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid_request"
    r = await app.http.post("/v1/engagement", json=one, headers=app.as_("reporter"))
    assert (r.status_code, r.json()) == (202, {"accepted": 1})
    r = await app.http.post("/v1/engagement", json=many, headers=app.as_("reporter"))
    assert (r.status_code, r.json()) == (202, {"accepted": 2})

    async def read_twice() -> object:
        body = (await app.http.get(f"/v1/requests/{uid}/report", headers=app.as_("viewer"))).json()
        return body if body["read"] == 2 else None

    body = await eventually(read_twice, what="two deliveries read")
    assert body["read_rate"] == 1.0


async def test_engagement_for_another_tenant_s_delivery_is_dead_lettered_and_not_counted(
    app: App, uid: str
) -> None:
    await finished(app, uid, 3)
    dlq = await TopicWatcher(app.kafka, app.topic("push.dlq.v1")).start()
    try:
        at = datetime.now(UTC).isoformat()
        forged = {"event_id": f"e-{uid}-k", "delivery_id": f"d-{uid}-0", "kind": "clicked",
                  "at": at, "tenant": "globex"}  # fmt: skip
        await app.send("push.engagement.v1", [(f"d-{uid}-0", forged)])
        over_http = {**forged, "event_id": f"e-{uid}-h", "delivery_id": f"d-{uid}-1"}
        del over_http["tenant"]
        posted = await app.http.post(
            "/v1/engagement", json=over_http, headers=app.as_("reporter", "globex")
        )
        assert posted.status_code == 202  # the key's tenant is stamped on it: globex

        def refused() -> list[dict[str, Any]]:
            found = [json.loads(d.value) for d in dlq.seen if d.value]
            # on Kafka the producer (of acme) speaking for globex is refused by the runtime,
            # over HTTP the tracker refuses globex's claim on acme's delivery
            return [f for f in found if f["error"] == "unauthorized" and uid in _event_id(f)]

        letters = await eventually(lambda: len(refused()) == 2 and refused(), what="dead letters")
        assert {json.loads(base64.b64decode(f["value_base64"]))["event_id"] for f in letters} == {
            f"e-{uid}-k", f"e-{uid}-h"
        }  # fmt: skip
        real = {**over_http, "event_id": f"e-{uid}-r", "kind": "read"}
        assert (
            await app.http.post("/v1/engagement", json=real, headers=app.as_("reporter"))
        ).status_code == 202

        async def read_once() -> dict[str, Any] | None:
            got = await app.http.get(f"/v1/requests/{uid}/report", headers=app.as_("viewer"))
            return got.json() if got.json()["read"] == 1 else None

        body = await eventually(read_once, what="acme's own event counted")
        assert body["clicked"] == 0
    finally:
        await dlq.stop()


async def test_range_report_by_department_as_json_and_csv(app: App, uid: str) -> None:
    await finished(app, uid, 3)
    since = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    params = {"since": since, "department": "marketing"}
    r = await app.http.get("/v1/reports", params=params, headers=app.as_("viewer"))
    assert r.status_code == 200
    body = r.json()
    assert set(body["departments"]) == {"marketing"}
    assert body["total"]["delivered"] >= 2
    csv = await app.http.get(
        "/v1/reports", params={**params, "format": "csv"}, headers=app.as_("viewer")
    )
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[1].startswith("marketing,all,")
    backwards = await app.http.get(
        "/v1/reports", params={"since": since, "until": since}, headers=app.as_("viewer")
    )
    assert backwards.status_code == 422


async def test_the_timeline_buckets_a_requests_sends_with_their_reads(app: App, uid: str) -> None:
    await finished(app, uid, 3)
    d = f"d-{uid}-0"
    read = {
        "event_id": f"e-{uid}",
        "delivery_id": d,
        "kind": "read",
        "at": datetime.now(UTC).isoformat(),
    }
    await app.send("push.engagement.v1", [(d, read)])
    params = {"bucket": "hour", "request_id": uid}

    async def with_the_read() -> list[dict[str, Any]] | None:
        r = await app.http.get("/v1/reports/timeline", params=params, headers=app.as_("viewer"))
        busy = [b for b in r.json()["buckets"] if b["recipients"]]
        return busy if busy and busy[-1]["read"] == 1 else None

    (bucket,) = await eventually(with_the_read, what="the read counted in its send's hour")
    assert (bucket["recipients"], bucket["sent"], bucket["delivered"]) == (3, 2, 2)
    assert (bucket["read_rate"], bucket["channels"]["sms"]["read"]) == (0.5, 1)
    other = await app.http.get(
        "/v1/reports/timeline", params=params, headers=app.as_("viewer", "globex")
    )
    assert all(b["recipients"] == 0 for b in other.json()["buckets"])


async def test_a_tombstone_on_recipients_erases_the_person(app: App, uid: str) -> None:
    await finished(app, uid, 2)
    await app.send("push.recipients.v1", [(f"u-{uid}-0", None)])

    async def erased() -> object:
        r = await app.http.get("/metrics")
        return "herald_tracker_erasures_total 1.0" in r.text or None

    await eventually(erased, what="the erasure")
    body = (await app.http.get(f"/v1/requests/{uid}/report", headers=app.as_("viewer"))).json()
    assert body["delivered"] == 1  # counts stay


async def test_metrics_pass_promtool_and_carry_the_tracker_families(
    app: App, uid: str, tmp_path: Path
) -> None:
    await finished(app, uid, 2)
    text = await eventually(
        lambda: _metrics_with_lag(app), what="consumer lag measured", timeout=20
    )
    for name in (
        "herald_tracker_outcomes_total",
        "herald_tracker_ingest_lag_seconds_bucket",
        "herald_tracker_batch_size_bucket",
        "herald_tracker_db_write_seconds_bucket",
        "herald_tracker_consumer_lag_messages",
    ):
        assert name in text
    assert uid not in text  # no per-request labels
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool is not installed (Debian: apt-get install prometheus)")
    check = await asyncio.create_subprocess_exec(
        promtool, "check", "metrics", stdin=PIPE, stdout=PIPE, stderr=STDOUT
    )
    out, _ = await check.communicate(text.encode())
    assert check.returncode == 0, out.decode()


async def _metrics_with_lag(app: App) -> str | None:
    text = (await app.http.get("/metrics")).text
    return (
        text if 'herald_tracker_consumer_lag_messages{topic="push.outcomes.v1"}' in text else None
    )


def _event_id(letter: dict[str, Any]) -> str:
    try:
        return str(json.loads(base64.b64decode(letter["value_base64"])).get("event_id", ""))
    except ValueError:
        return ""
