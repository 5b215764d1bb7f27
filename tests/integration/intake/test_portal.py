"""The portal over the real broker and Postgres: the status history intake mirrors from
push.status.v1, sessions in intake.web_sessions, who sees what, and cancel on Kafka."""

import json
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from herald.devstack.postgres import create_database
from herald.intake.main import create_app
from herald.intake.settings import IntakeSettings
from tests.integration.intake.builders import request_body
from tests.support.kafka import TopicWatcher, jbytes, produce
from tests.support.keys import bearer, write_keys
from tests.support.service import create_topics, new_prefix, running, service_env
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration
FORM = {"content-type": "application/x-www-form-urlencoded"}


@dataclass
class Portal:
    http: httpx.AsyncClient
    keys: dict[tuple[str, str], str]
    keys_file: Path
    kafka: str
    prefix: str
    database_url: str

    async def log_in(self, name: str, tenant: str = "acme") -> None:
        self.http.cookies.clear()
        key = self.keys[(tenant, name)]
        answer = await self.http.post("/portal/login", content=f"key={key}", headers=FORM)
        assert answer.headers.get("location") == "/portal/", answer.text

    async def csrf(self, path: str) -> str:
        found = re.search(r'name="csrf" value="([^"]+)"', (await self.http.get(path)).text)
        assert found is not None
        return found.group(1)

    async def submit(self, rid: str, name: str = "submitter", **over: Any) -> None:
        answer = await self.http.post(
            "/v1/requests",
            json=request_body(rid, **over),
            headers=bearer(self.keys[("acme", name)]),
        )
        assert answer.status_code == 202, answer.text

    async def statuses(self, *items: dict[str, Any]) -> None:
        await produce(self.kafka, self.prefix + "push.status.v1",
                      [(s["request_id"], jbytes(s)) for s in items])  # fmt: skip

    async def sql(self, query: str, *args: Any) -> Any:
        conn = await asyncpg.connect(self.database_url)
        try:
            return await conn.fetch(query, *args)
        finally:
            await conn.close()


@pytest.fixture(scope="module")
async def portal(
    kafka: str, pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Portal]:
    database_url = await create_database(pg_admin_url, f"portal_{uuid.uuid4().hex[:10]}")
    folder = tmp_path_factory.mktemp("portal")
    prefix = new_prefix()
    await create_topics(kafka, prefix)
    keys = write_keys(folder / "keys.json")
    env = service_env(kafka, database_url, prefix, api_keys_file=str(folder / "keys.json"),
                      portal_session_secret="portal-integration-secret-0123456789",
                      portal_cookie_secure=False)  # fmt: skip
    async with running(create_app(IntakeSettings(**env))) as http:
        yield Portal(http, keys, folder / "keys.json", kafka, prefix, database_url)


def status(rid: str, kind: str, minutes: int, **over: Any) -> dict[str, Any]:
    at = datetime.now(UTC) + timedelta(minutes=minutes)
    return {"request_id": rid, "tenant": "acme", "status": kind, "at": at.isoformat(), **over}


async def test_the_timeline_keeps_every_status_once_and_in_order(portal: Portal, uid: str) -> None:
    await portal.submit(uid)
    held = {"code": "sensitive_content", "message": "matched 1 term in category violence"}
    approved = status(uid, "approved", 2)
    await portal.statuses(
        status(uid, "pending_review", 1, reasons=[held]),
        approved,
        approved,  # redelivered
        status(uid, "scheduled", 3, counts={"recipients": 4}),
        status(uid, "completed", 4, counts={"recipients": 4, "sent": 4}),
    )
    await portal.log_in("viewer")

    async def finished() -> str | None:
        page = (await portal.http.get(f"/portal/requests/{uid}")).text
        return page if 'id="current-status">completed' in page else None

    page = await eventually(finished, what="the completed status in the timeline")
    steps = re.findall(r'<li>\s*<span class="status status-(\w+)"', page)
    assert steps == ["accepted", "pending_review", "approved", "scheduled", "completed"]
    assert "matched 1 term in category violence" in page and "sent 4" in page
    assert 'http-equiv="refresh"' not in page
    rows = await portal.sql("SELECT status FROM intake.status_history WHERE request_id = $1", uid)
    assert len(rows) == 5


async def test_sessions_live_in_intake_and_end_with_their_key(portal: Portal) -> None:
    await portal.log_in("admin")
    key = portal.keys[("acme", "admin")]
    rows = await portal.sql("SELECT * FROM intake.web_sessions WHERE key_id = 'acme-admin'")
    assert rows and all(key.encode() not in (r["sealed_key"] or b"") for r in rows)
    assert all(key not in json.dumps([str(v) for v in r.values()]) for r in rows)
    assert (await portal.http.get("/portal/")).status_code == 200
    data = json.loads(portal.keys_file.read_text())
    for entry in data["keys"]:
        if entry["id"] == "acme-admin":
            entry["role"] = "viewer"
    portal.keys_file.write_text(json.dumps(data))
    try:
        assert (await portal.http.get("/portal/")).headers["location"] == "/portal/login"
    finally:
        for entry in data["keys"]:
            if entry["id"] == "acme-admin":
                entry["role"] = "admin"
        portal.keys_file.write_text(json.dumps(data))
    await portal.log_in("submitter")
    cookie = portal.http.cookies["herald_portal"]
    csrf = await portal.csrf("/portal/")
    await portal.http.post("/portal/logout", content=f"csrf={csrf}", headers=FORM)
    portal.http.cookies.set("herald_portal", cookie, path="/portal")
    assert (await portal.http.get("/portal/")).headers["location"] == "/portal/login"


async def test_a_department_sees_its_own_an_admin_all_another_tenant_nothing(
    portal: Portal, uid: str
) -> None:
    mine, theirs = f"{uid}-mkt", f"{uid}-ops"
    await portal.submit(mine)
    await portal.submit(
        theirs, "ops-submitter", requester={"user": "zhao.liu", "department": "ops"}
    )
    await portal.log_in("submitter")
    listing = (await portal.http.get("/portal/")).text
    assert mine in listing and theirs not in listing
    assert (await portal.http.get(f"/portal/requests/{theirs}")).status_code == 404
    await portal.log_in("admin")
    listing = (await portal.http.get("/portal/")).text
    assert mine in listing and theirs in listing
    await portal.log_in("admin", "globex")
    theirs_list = await portal.http.get("/portal/")
    assert theirs_list.status_code == 200 and mine not in theirs_list.text
    assert (await portal.http.get(f"/portal/requests/{mine}")).status_code == 404


async def test_cancel_from_the_portal_goes_out_on_kafka_as_the_user(
    portal: Portal, uid: str
) -> None:
    cancels = await TopicWatcher(portal.kafka, portal.prefix + "push.cancels.v1").start()
    try:
        await portal.submit(uid)
        await portal.log_in("submitter")
        csrf = await portal.csrf(f"/portal/requests/{uid}")
        answer = await portal.http.post(f"/portal/requests/{uid}/cancel", content=f"csrf={csrf}",
                                        headers=FORM)  # fmt: skip
        assert answer.headers["location"] == f"/portal/requests/{uid}?done=cancel"
        (sent,) = await eventually(lambda: cancels.for_key(uid), what="the cancel on Kafka")
        assert (sent.json()["by"], sent.json()["credential"]) == ("li.wei", "acme-submitter")
    finally:
        await cancels.stop()
