"""Intake's HTTP API: auth, validation, idempotency, cancel — against real Kafka and Postgres."""

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from herald.intake.main import create_app
from herald.runtime.auth import hash_key
from tests.integration.intake.builders import request_body
from tests.integration.intake.harness import Intake
from tests.support.kafka import TopicWatcher, jbytes, produce
from tests.support.keys import PEOPLE
from tests.support.service import running
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration
ROLES = ("submitter", "reviewer", "viewer", "admin")


async def test_accepted_request_answers_202_with_status_and_trace_id(
    intake: Intake, uid: str
) -> None:
    r = await intake.http.post(
        "/v1/requests", json=request_body(uid), headers=intake.as_("acme", "submitter")
    )
    assert r.status_code == 202
    assert r.json()["status"] == "accepted"
    assert r.json()["labels"] == {"campaign": "winter"}
    assert r.headers["x-trace-id"]
    passed = await TopicWatcher(intake.kafka, intake.topic("push.accepted.v1")).start()
    try:
        env = await eventually(lambda: passed.for_key(uid), what="request passed to review")
        assert env[0].headers["x-trace-id"] == r.headers["x-trace-id"]
    finally:
        await passed.stop()


def as_person(role: str) -> dict[str, str]:
    """The requester that names the holder of this role's test key."""
    user, department = PEOPLE[role]
    return {"user": user, "department": department or "none"}


@pytest.mark.parametrize("role", ROLES)
async def test_auth_matrix_own_tenant(intake: Intake, uid: str, role: str) -> None:
    rid = f"{uid}-{role}"
    submit = await intake.http.post(
        "/v1/requests",
        json=request_body(rid, requester=as_person(role)),
        headers=intake.as_("acme", role),
    )
    assert submit.status_code == (202 if role in ("submitter", "admin") else 403)
    if submit.status_code == 403:
        assert submit.json()["code"] == "unauthorized"
        assert submit.headers["content-type"] == "application/problem+json"
        await intake.http.post(
            "/v1/requests", json=request_body(rid), headers=intake.as_("acme", "submitter")
        )
    await eventually(lambda: intake.status.for_key(rid), what="status mirrored")
    read = await eventually(lambda: _get(intake, rid, "acme", role), what="status readable")
    assert read.json()["request_id"] == rid
    cancel = await intake.http.post(f"/v1/requests/{rid}/cancel", headers=intake.as_("acme", role))
    assert cancel.status_code == (202 if role in ("submitter", "admin") else 403)


async def _get(intake: Intake, rid: str, tenant: str, role: str):  # type: ignore[no-untyped-def]
    r = await intake.http.get(f"/v1/requests/{rid}", headers=intake.as_(tenant, role))
    return r if r.status_code == 200 else None


@pytest.mark.parametrize("role", ROLES)
async def test_auth_matrix_foreign_tenant_sees_nothing(intake: Intake, uid: str, role: str) -> None:
    rid = f"{uid}-{role}"
    ok = await intake.http.post(
        "/v1/requests", json=request_body(rid), headers=intake.as_("acme", "submitter")
    )
    assert ok.status_code == 202
    await eventually(lambda: _get(intake, rid, "acme", "viewer"), what="acme sees it")
    foreign = intake.as_("globex", role)
    submit = await intake.http.post("/v1/requests", json=request_body(f"{rid}-x"), headers=foreign)
    assert submit.status_code == 403  # globex may not submit for acme, whatever its role
    assert (await intake.http.get(f"/v1/requests/{rid}", headers=foreign)).status_code == 404
    cancel = await intake.http.post(f"/v1/requests/{rid}/cancel", headers=foreign)
    assert cancel.status_code in (403, 404)
    assert cancel.status_code != 202


async def test_missing_unknown_and_revoked_keys_are_401(intake: Intake, uid: str) -> None:
    body = request_body(uid)
    assert (await intake.http.post("/v1/requests", json=body)).status_code == 401
    r = await intake.http.post("/v1/requests", json=body, headers={"authorization": "Bearer nope"})
    assert r.status_code == 401
    assert r.json()["code"] == "unauthorized"
    keys_file = Path(intake.settings.api_keys_file or "")
    data = json.loads(keys_file.read_text())
    extra = {
        "id": f"temp-{uid}",
        "sha256": hash_key(f"temp-{uid}"),
        "tenant": "acme",
        "role": "submitter",
        "user": "li.wei",
        "department": "marketing",
    }
    keys_file.write_text(json.dumps({"keys": [*data["keys"], extra]}))
    os.utime(keys_file, (1, 1))  # a new mtime, whatever the clock's resolution
    temp = {"authorization": f"Bearer temp-{uid}"}
    assert (await intake.http.post("/v1/requests", json=body, headers=temp)).status_code == 202
    keys_file.write_text(json.dumps({"keys": [*data["keys"], extra | {"revoked": True}]}))
    os.utime(keys_file, (2, 2))
    r = await intake.http.post("/v1/requests", json=request_body(f"{uid}-2"), headers=temp)
    assert r.status_code == 401


INVALID = [
    (
        "title too long",
        {"content": {"title": "x" * 101, "body": "b"}},
        "content.title: at most 100 characters",
    ),
    ("body missing", {"content": {"title": "t"}}, "content.body: field required"),
    ("unknown channel", {"channels": ["pigeon"]}, "channels.0"),
    ("no channels", {"channels": []}, "channels: at least 1 items"),
    (
        "send_at without offset",
        {"schedule": {"send_at": "2030-01-01T10:00:00"}},
        "schedule.send_at: needs a time zone offset",
    ),
    ("bad offset", {"schedule": {"send_at": "2030-01-01T10:00:00+25:00"}}, "schedule.send_at"),
    (
        "send_at in the past",
        {"schedule": {"send_at": "2020-01-01T10:00:00+08:00"}},
        "schedule.send_at: is in the past",
    ),
    (
        "expires before send",
        {
            "schedule": {
                "send_at": "2030-01-02T10:00:00+08:00",
                "expires_at": "2030-01-01T10:00:00+08:00",
            }
        },
        "expires_at must be after send_at",
    ),
    (
        "two audiences",
        {"audience": {"all": True, "recipients": ["a"]}},
        "exactly one of recipients, segment or all",
    ),
    ("bad category", {"category": "spam"}, "category"),
    ("bad request id", {"request_id": "has spaces"}, "request_id: must match"),
]


@pytest.mark.parametrize(("case", "change", "expected"), INVALID, ids=[c[0] for c in INVALID])
async def test_each_validation_rule_answers_422_with_the_field(
    intake: Intake, uid: str, case: str, change: dict[str, object], expected: str
) -> None:
    body = request_body(uid, **change)
    r = await intake.http.post("/v1/requests", json=body, headers=intake.as_("acme", "submitter"))
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["code"] == "invalid_request"
    assert expected in problem["detail"]
    assert all({"field", "message"} <= set(e) for e in problem["errors"])


async def test_oversized_payload_is_413(intake: Intake, uid: str) -> None:
    body = request_body(uid, goal="g" * (16 * 1024 * 1024))  # past MAX_PAYLOAD_BYTES
    r = await intake.http.post("/v1/requests", json=body, headers=intake.as_("acme", "submitter"))
    assert r.status_code == 413
    assert r.json()["code"] == "invalid_request"


async def test_malformed_json_is_422(intake: Intake) -> None:
    r = await intake.http.post(
        "/v1/requests", content=b"{nope", headers=intake.as_("acme", "submitter")
    )
    assert r.status_code == 422
    assert "not valid JSON" in r.json()["detail"]


async def test_resubmission_is_200_duplicate_with_the_original_status(
    intake: Intake, uid: str
) -> None:
    h = intake.as_("acme", "submitter")
    first = await intake.http.post("/v1/requests", json=request_body(uid), headers=h)
    again = await intake.http.post("/v1/requests", json=request_body(uid), headers=h)
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json()["status"] == "accepted"
    assert again.json()["at"] == first.json()["at"]
    statuses = await eventually(
        lambda: (
            [s.json()["status"] for s in intake.status.for_key(uid)]
            if len(intake.status.for_key(uid)) >= 2
            else None
        ),
        what="two statuses",
    )
    assert statuses == ["accepted", "duplicate"]


async def test_different_body_under_the_same_id_is_409(intake: Intake, uid: str) -> None:
    h = intake.as_("acme", "submitter")
    await intake.http.post("/v1/requests", json=request_body(uid), headers=h)
    r = await intake.http.post(
        "/v1/requests", json=request_body(uid, goal="something else"), headers=h
    )
    assert r.status_code == 409
    assert r.json()["code"] == "duplicate"


async def test_same_request_on_both_paths_is_accepted_once(intake: Intake, uid: str) -> None:
    h = intake.as_("acme", "submitter")
    assert (
        await intake.http.post("/v1/requests", json=request_body(uid), headers=h)
    ).status_code == 202
    await produce(
        intake.kafka, intake.topic("push.requests.v1"), [(uid, jbytes(request_body(uid)))]
    )
    statuses = await eventually(
        lambda: (
            [s.json()["status"] for s in intake.status.for_key(uid)]
            if len(intake.status.for_key(uid)) >= 2
            else None
        ),
        what="duplicate from the Kafka path",
    )
    assert statuses == ["accepted", "duplicate"]
    other = f"{uid}-k"
    await produce(
        intake.kafka, intake.topic("push.requests.v1"), [(other, jbytes(request_body(other)))]
    )
    await eventually(lambda: intake.status.for_key(other), what="accepted on Kafka")
    r = await intake.http.post("/v1/requests", json=request_body(other), headers=h)
    assert r.status_code == 200


async def test_duplicate_is_recognised_after_intake_restarts(intake: Intake, uid: str) -> None:
    h = intake.as_("acme", "submitter")
    assert (
        await intake.http.post("/v1/requests", json=request_body(uid), headers=h)
    ).status_code == 202
    async with running(create_app(intake.settings)) as second_instance:
        r = await second_instance.post("/v1/requests", json=request_body(uid), headers=h)
    assert r.status_code == 200


async def test_cancel_publishes_a_cancel_and_a_finished_request_cannot_be_cancelled(
    intake: Intake, uid: str
) -> None:
    h = intake.as_("acme", "submitter")
    await intake.http.post("/v1/requests", json=request_body(uid), headers=h)
    cancels = await TopicWatcher(intake.kafka, intake.topic("push.cancels.v1")).start()
    try:
        r = await intake.http.post(f"/v1/requests/{uid}/cancel", headers=h)
        assert r.status_code == 202
        [event] = await eventually(lambda: cancels.for_key(uid), what="cancel event")
        assert event.json()["by"] == "li.wei"
    finally:
        await cancels.stop()
    done = {
        "request_id": uid,
        "tenant": "acme",
        "status": "completed",
        "at": datetime.now(UTC).isoformat(),
        "counts": {"recipients": 1},
    }
    await produce(intake.kafka, intake.topic("push.status.v1"), [(uid, jbytes(done))])
    await eventually(lambda: _status_is(intake, uid, "completed"), what="mirrored completion")
    r = await intake.http.post(f"/v1/requests/{uid}/cancel", headers=h)
    assert r.status_code == 409


async def _status_is(intake: Intake, rid: str, status: str) -> bool:
    r = await intake.http.get(f"/v1/requests/{rid}", headers=intake.as_("acme", "viewer"))
    return r.status_code == 200 and r.json()["status"] == status


async def test_unknown_request_is_404_problem(intake: Intake) -> None:
    r = await intake.http.get("/v1/requests/nothing-here", headers=intake.as_("acme", "viewer"))
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"


async def test_future_send_at_within_grace_is_accepted(intake: Intake, uid: str) -> None:
    soon = (datetime.now(UTC) - timedelta(seconds=30)).isoformat()
    r = await intake.http.post(
        "/v1/requests",
        json=request_body(uid, schedule={"send_at": soon}),
        headers=intake.as_("acme", "submitter"),
    )
    assert r.status_code == 202
