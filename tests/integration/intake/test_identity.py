"""Identity from credentials at intake, against the real broker and Postgres: the key's
holder is the submitter (a body naming someone else is refused), standing follows them
whatever the body says, and a request is its submitter's department's to cancel."""

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest

from herald.contracts.internal import Standing, StandingChanged
from tests.integration.intake.conftest import Intake, request_body
from tests.support.kafka import TopicWatcher, produce
from tests.support.keys import add_key, bearer
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


def person(intake: Intake, uid: str, user: str, department: str | None, role: str = "submitter"):  # type: ignore[no-untyped-def]
    """A key of its own for this test (a person nobody else's test touches)."""
    key = f"key-{uid}-{user}"
    path = Path(intake.settings.api_keys_file or "")
    add_key(path, f"acme-{uid}-{user}", key, "acme", role, user, department)
    return bearer(key)


async def test_a_body_naming_another_user_or_department_is_refused_and_nothing_is_sent(
    intake: Intake, uid: str
) -> None:
    passed = await TopicWatcher(intake.kafka, intake.topic("push.accepted.v1")).start()
    try:
        for requester, fields in (
            ({"user": "zhang.san", "department": "marketing"}, {"requester.user"}),
            ({"user": "li.wei", "department": "finance"}, {"requester.department"}),
        ):
            rid = f"{uid}-{requester['department']}"
            body = request_body(rid, requester=requester)
            for path in ("/v1/requests", "/v1/requests?dry_run=true"):
                r = await intake.http.post(path, json=body, headers=intake.as_("acme", "submitter"))
                assert (r.status_code, r.json()["code"]) == (403, "unauthorized"), path
                problem = r.json()
                assert {e["field"] for e in problem["errors"]} == fields
                named = next(iter(requester[f.split(".")[1]] for f in fields))
                assert repr(named) in problem["detail"]
                assert "'li.wei'" in problem["detail"] or "'marketing'" in problem["detail"]
            assert (
                await intake.http.get(f"/v1/requests/{rid}", headers=intake.as_("acme", "viewer"))
            ).status_code == 404

        same = request_body(f"{uid}-same", requester={"user": " Li.Wei", "department": "MARKETING"})
        ok = await intake.http.post(
            "/v1/requests", json=same, headers=intake.as_("acme", "submitter")
        )
        assert ok.status_code == 202
        [envelope] = await eventually(lambda: passed.for_key(f"{uid}-same"), what="passed on")
        submitter = json.loads(envelope.value)["submitter"]
        assert submitter == {"user": "li.wei", "department": "marketing",
                             "credential": "acme-submitter", "via": "http"}  # fmt: skip
        assert passed.for_key(f"{uid}-marketing") == passed.for_key(f"{uid}-finance") == []
    finally:
        await passed.stop()


async def test_a_key_without_a_department_cannot_submit(intake: Intake, uid: str) -> None:
    body = request_body(uid, requester={"user": "nobody", "department": "marketing"})
    r = await intake.http.post(
        "/v1/requests", json=body, headers=intake.as_("acme", "no-department-submitter")
    )
    assert (r.status_code, r.json()["code"]) == (403, "unauthorized")
    assert "no department" in r.json()["detail"]


async def test_a_banned_submitter_stays_banned_whatever_their_body_says(
    intake: Intake, uid: str
) -> None:
    banned = f"ban-{uid}"
    who = person(intake, uid, banned, f"dept-{uid}")
    change = StandingChanged(
        tenant="acme", subject_kind="requester", subject=banned,
        standing=Standing.BANNED, at=datetime.now(UTC),
    )  # fmt: skip
    key = f"acme:requester:{banned}"
    await produce(
        intake.kafka, intake.topic("push.standing.v1"), [(key, change.model_dump_json().encode())]
    )

    async def refused(name: str) -> tuple[str, dict[str, object]] | None:
        """Each try its own request (an accepted one would come back as a duplicate)."""
        rid = f"{uid}-{uuid.uuid4().hex[:8]}"
        body = request_body(rid, requester={"user": name, "department": f"dept-{uid}"})
        r = await intake.http.post("/v1/requests", json=body, headers=who)
        if r.status_code == 403 and r.json()["code"] == "requester_restricted":
            return rid, r.json()
        return None

    _, problem = await eventually(lambda: refused(banned), what="the ban honoured")
    assert "banned" in str(problem["detail"])
    spelt_otherwise = await refused(banned.upper())  # the same person
    assert spelt_otherwise is not None
    letter = request_body(
        f"{uid}-x", requester={"user": banned[:-1] + "x", "department": f"dept-{uid}"}
    )
    other = await intake.http.post("/v1/requests", json=letter, headers=who)
    assert (other.status_code, other.json()["code"]) == (403, "unauthorized")
    row = await _row(intake.settings.database_url.get_secret_value(), spelt_otherwise[0])
    assert row is not None
    assert (row["requester"], row["credential"]) == (banned, f"acme-{uid}-{banned}")


async def _row(database_url: str, rid: str) -> asyncpg.Record | None:
    conn = await asyncpg.connect(database_url)
    try:
        return await conn.fetchrow("SELECT * FROM intake.requests WHERE request_id = $1", rid)
    finally:
        await conn.close()


async def test_a_request_is_its_submitter_s_department_s_to_cancel(
    intake: Intake, uid: str
) -> None:
    later = {"send_at": "2099-01-01T10:00:00+08:00"}
    rids = [f"{uid}-{n}" for n in range(3)]
    for rid in rids:
        r = await intake.http.post(
            "/v1/requests",
            json=request_body(rid, schedule=later),
            headers=intake.as_("acme", "submitter"),
        )
        assert r.status_code == 202
        await eventually(lambda rid=rid: intake.status.for_key(rid), what="status mirrored")  # type: ignore[misc]

    ops = await intake.http.post(
        f"/v1/requests/{rids[0]}/cancel", headers=intake.as_("acme", "ops-submitter")
    )
    assert (ops.status_code, ops.json()["code"]) == (403, "unauthorized")
    assert "marketing" in ops.json()["detail"] and "ops" in ops.json()["detail"]

    colleague = person(intake, uid, "han.mei", "Marketing")  # the same department, spelt otherwise
    cancels = await TopicWatcher(intake.kafka, intake.topic("push.cancels.v1")).start()
    try:
        assert (
            await intake.http.post(f"/v1/requests/{rids[0]}/cancel", headers=colleague)
        ).status_code == 202
        admin = await intake.http.post(
            f"/v1/requests/{rids[1]}/cancel", headers=intake.as_("acme", "admin")
        )
        assert admin.status_code == 202
        [by_colleague] = await eventually(lambda: cancels.for_key(rids[0]), what="cancel published")
        assert (
            json.loads(by_colleague.value)["by"],
            json.loads(by_colleague.value)["credential"],
        ) == ("han.mei", f"acme-{uid}-han.mei")
        await eventually(lambda: cancels.for_key(rids[1]), what="admin's cancel published")
        assert cancels.for_key(rids[2]) == []
    finally:
        await cancels.stop()
