"""The review console's sessions over the real broker and Postgres (issue 16): a session
lives in `review.web_sessions`, and the key behind it is checked on every request.

Each of these passed with the old stateless cookie's opposite: a revoked or downgraded
key kept its console for up to 8 hours, and a cookie copied before logout still worked.
"""

import json
import re
from pathlib import Path

import asyncpg
import httpx
import pytest
from tests.integration.review.builders import accept, request
from tests.integration.review.harness import Clock, auth, write_keys
from tests.support.service import create_topics, new_prefix, running, service_env
from tests.support.waiting import eventually

from herald.review.main import create_app
from herald.review.settings import ReviewSettings

pytestmark = pytest.mark.integration
FORM = {"content-type": "application/x-www-form-urlencoded"}
HELD = "会员专享 5 折起。同场首映《血腥玛丽》，凭券入场。"


def set_key(path: str, name: str, **change: object) -> None:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    for entry in data["keys"]:
        if entry["id"] == name:
            entry.update(change)
    Path(path).write_text(json.dumps(data), encoding="utf-8")


async def log_in(http: httpx.AsyncClient, key: str = "key-reviewer") -> str:
    answer = await http.post("/console/login", content=f"key={key}", headers=FORM)
    assert (answer.status_code, answer.headers["location"]) == (303, "/console/")
    return answer.cookies["herald_console"]


async def csrf(http: httpx.AsyncClient, path: str = "/console/") -> str:
    page = await http.get(path)
    assert page.status_code == 200, page.headers.get("location")
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found is not None
    return found.group(1)


async def held_request(http: httpx.AsyncClient, kafka: str, prefix: str, rid: str) -> None:
    await accept(kafka, prefix, request(rid, HELD))

    async def pending() -> bool:
        answer = await http.get(f"/v1/reviews/{rid}", headers=auth("admin"))
        return answer.status_code == 200 and answer.json()["state"] == "pending"

    await eventually(pending, what="a held request")


@pytest.fixture
async def prefix(kafka: str) -> str:
    found = new_prefix()
    await create_topics(kafka, found)
    return found


def console_settings(kafka: str, database_url: str, prefix: str, keys: str) -> ReviewSettings:
    env = service_env(kafka, database_url, prefix, api_keys_file=keys,
                      console_session_secret="console-test-secret-0123456789abcdef",
                      console_cookie_secure=False)  # fmt: skip
    return ReviewSettings(**env)


async def test_a_revoked_key_is_sent_to_login_at_its_next_request(
    kafka: str, database_url: str, prefix: str, tmp_path: Path
) -> None:
    keys = write_keys(tmp_path)
    async with running(create_app(console_settings(kafka, database_url, prefix, keys))) as http:
        await log_in(http)
        assert (await http.get("/console/")).status_code == 200
        set_key(keys, "reviewer", revoked=True)
        answer = await http.get("/console/")
        assert (answer.status_code, answer.headers["location"]) == (303, "/console/login")
    conn = await asyncpg.connect(database_url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM review.web_sessions") == 0
    finally:
        await conn.close()


async def test_a_reviewer_downgraded_to_viewer_decides_nothing(
    kafka: str, database_url: str, prefix: str, uid: str, tmp_path: Path
) -> None:
    keys, rid = write_keys(tmp_path), f"hold-{uid}"
    async with running(create_app(console_settings(kafka, database_url, prefix, keys))) as http:
        await held_request(http, kafka, prefix, rid)
        await log_in(http)
        token = await csrf(http, f"/console/requests/{rid}")
        set_key(keys, "reviewer", role="viewer")
        answer = await http.post(
            f"/console/requests/{rid}/decision",
            content=f"csrf={token}&decision=approve&note=ok",
            headers=FORM,
        )
        assert (answer.status_code, answer.headers["location"]) == (303, "/console/login")
        review = await http.get(f"/v1/reviews/{rid}", headers=auth("admin"))
        assert review.json()["state"] == "pending"


async def test_after_logout_the_old_cookie_opens_nothing(
    kafka: str, database_url: str, prefix: str, tmp_path: Path
) -> None:
    keys = write_keys(tmp_path)
    async with running(create_app(console_settings(kafka, database_url, prefix, keys))) as http:
        cookie = await log_in(http)
        token = await csrf(http)
        out = await http.post("/console/logout", content=f"csrf={token}", headers=FORM)
        assert out.headers["location"] == "/console/login"
        http.cookies.set("herald_console", cookie, path="/console")
        replay = await http.get("/console/")
        assert (replay.status_code, replay.headers["location"]) == (303, "/console/login")


async def test_an_idle_session_ends(
    kafka: str, database_url: str, prefix: str, tmp_path: Path
) -> None:
    keys, clock = write_keys(tmp_path), Clock()
    settings = console_settings(kafka, database_url, prefix, keys)
    async with running(create_app(settings, clock=clock)) as http:
        await log_in(http)
        clock.advance(minutes=29)
        assert (await http.get("/console/")).status_code == 200
        clock.advance(minutes=29)
        assert (await http.get("/console/")).status_code == 200  # each request counts
        clock.advance(minutes=30)
        answer = await http.get("/console/")
        assert (answer.status_code, answer.headers["location"]) == (303, "/console/login")
