"""Web sessions: server-side, the key checked on every request, two clocks, logout that
revokes, CSRF tied to the session, the key sealed and never stored or sent in the clear."""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from httpx import ASGITransport, AsyncClient

from herald.runtime.auth import ApiKeyStore, Authenticator, Role, hash_key
from herald.runtime.websessions import LoginRefused, SessionPolicy, WebSessions
from tests.support.fakes import FakeSessionStore

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
FORM = {"content-type": "application/x-www-form-urlencoded"}


@dataclass
class Clock:
    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now


def write_keys(path: Path, **roles: str) -> None:
    entries = [
        {"id": f"id-{key}", "sha256": hash_key(key), "tenant": "acme", "role": role,
         "user": f"user-{key}", "department": "marketing"}
        for key, role in roles.items()
    ]  # fmt: skip
    path.write_text(json.dumps({"keys": entries}), encoding="utf-8")


@dataclass
class Rig:
    keys: Path
    store: FakeSessionStore
    clock: Clock
    sessions: WebSessions
    http: AsyncClient
    seen: list[Any] = field(default_factory=list)


def app_for(sessions: WebSessions, seen: list[Any]) -> FastAPI:
    app = FastAPI()

    @app.post("/portal/login")
    async def login(request: Request) -> Response:
        form = await sessions.form(request, None)
        answer = PlainTextResponse("in")
        try:
            await sessions.log_in(form.get("key") if form else "", answer)
        except LoginRefused as refused:
            return PlainTextResponse(refused.message, refused.status)
        return answer

    @app.get("/portal/me")
    async def me(request: Request) -> Response:
        s = await sessions.current(request)
        seen.append(s)
        if s is None:
            return PlainTextResponse("login", 401)
        return JSONResponse({"user": s.principal.user, "role": s.principal.role, "csrf": s.csrf})

    @app.post("/portal/act")
    async def act(request: Request) -> Response:
        s = await sessions.current(request)
        if s is None:
            return PlainTextResponse("login", 401)
        form = await sessions.form(request, s)
        return PlainTextResponse("done" if form else "refused", 200 if form else 403)

    @app.post("/portal/logout")
    async def logout(request: Request) -> Response:
        answer = PlainTextResponse("out")
        await sessions.log_out(request, answer)
        return answer

    return app


@pytest.fixture
def rig(tmp_path: Path) -> Rig:
    keys = tmp_path / "keys.json"
    write_keys(keys, kv="viewer", ks="submitter", kr="reviewer")
    store, clock = FakeSessionStore(), Clock()
    policy = SessionPolicy(
        "portal", frozenset({Role.SUBMITTER, Role.VIEWER, Role.ADMIN}), secure_cookie=False,
        keep_key=True,
    )  # fmt: skip
    sessions = WebSessions(store, Authenticator(ApiKeyStore(str(keys))), "s" * 32, policy, clock)
    seen: list[Any] = []
    http = AsyncClient(transport=ASGITransport(app=app_for(sessions, seen)), base_url="http://t")
    return Rig(keys, store, clock, sessions, http, seen)


async def log_in(rig: Rig, key: str = "ks") -> None:
    answer = await rig.http.post("/portal/login", content=f"key={key}", headers=FORM)
    assert answer.status_code == 200, answer.text


async def test_the_cookie_is_an_opaque_id_and_the_row_holds_neither_id_nor_key(rig: Rig) -> None:
    answer = await rig.http.post("/portal/login", content="key=ks", headers=FORM)
    cookie = answer.headers["set-cookie"]
    session_id = answer.cookies["herald_portal"]
    assert all(flag in cookie.lower() for flag in ("httponly", "samesite=strict", "path=/portal"))
    # (a random id may contain "ks" by chance: the row below shows it is not derived from it)
    assert len(session_id) >= 40
    (row,) = rig.store.rows.values()
    assert session_id not in repr(row) and row.id_sha256 != session_id
    assert row.key_sha256 == hash_key("ks") and len(row.sealed_key or b"") > 16
    assert (await rig.http.get("/portal/me")).json()["user"] == "user-ks"
    assert rig.seen[-1].key == "ks"  # the seal opens with the cookie and the secret


async def test_a_revoked_key_ends_its_session_at_the_next_request(rig: Rig) -> None:
    await log_in(rig)
    assert (await rig.http.get("/portal/me")).status_code == 200
    write_keys(rig.keys, kv="viewer")
    assert (await rig.http.get("/portal/me")).status_code == 401
    assert rig.store.rows == {}


async def test_a_key_given_another_role_ends_its_session(rig: Rig) -> None:
    await log_in(rig)
    write_keys(rig.keys, ks="viewer")  # still a role that may log in, but not the same
    assert (await rig.http.get("/portal/me")).status_code == 401


async def test_an_idle_session_ends_and_activity_keeps_one_alive(rig: Rig) -> None:
    await log_in(rig)
    rig.clock.now += timedelta(minutes=29)
    assert (await rig.http.get("/portal/me")).status_code == 200
    rig.clock.now += timedelta(minutes=29)
    assert (await rig.http.get("/portal/me")).status_code == 200
    rig.clock.now += timedelta(minutes=30)
    assert (await rig.http.get("/portal/me")).status_code == 401


async def test_even_an_active_session_ends_after_its_lifetime(rig: Rig) -> None:
    await log_in(rig)
    for _ in range(16):
        rig.clock.now += timedelta(minutes=29)
        assert (await rig.http.get("/portal/me")).status_code == 200
    rig.clock.now += timedelta(minutes=29)  # 8 h 13 min after login
    assert (await rig.http.get("/portal/me")).status_code == 401


async def test_logout_kills_the_old_cookie(rig: Rig) -> None:
    await log_in(rig)
    old = rig.http.cookies["herald_portal"]
    await rig.http.post("/portal/logout")
    assert rig.store.rows == {}
    rig.http.cookies.set("herald_portal", old)
    assert (await rig.http.get("/portal/me")).status_code == 401


async def test_each_login_gets_a_new_id(rig: Rig) -> None:
    await log_in(rig)
    first = rig.http.cookies["herald_portal"]
    await log_in(rig)
    assert rig.http.cookies["herald_portal"] != first and len(rig.store.rows) == 2


async def test_login_refuses_unknown_keys_and_roles_the_page_does_not_take(rig: Rig) -> None:
    unknown = await rig.http.post("/portal/login", content="key=nope", headers=FORM)
    reviewer = await rig.http.post("/portal/login", content="key=kr", headers=FORM)
    empty = await rig.http.post("/portal/login", content="key=", headers=FORM)
    assert (unknown.status_code, reviewer.status_code, empty.status_code) == (401, 403, 401)
    assert "admin or submitter or viewer" in reviewer.text
    assert rig.store.rows == {} and "set-cookie" not in reviewer.headers


async def test_forms_need_this_sessions_csrf_token_and_the_same_site(rig: Rig) -> None:
    await log_in(rig)
    csrf = (await rig.http.get("/portal/me")).json()["csrf"]
    ok = await rig.http.post("/portal/act", content=f"csrf={csrf}", headers=FORM)
    missing = await rig.http.post("/portal/act", content="x=1", headers=FORM)
    cross = await rig.http.post(
        "/portal/act", content=f"csrf={csrf}", headers={**FORM, "sec-fetch-site": "cross-site"}
    )
    big = await rig.http.post("/portal/act", content=f"csrf={csrf}&b=" + "x" * 20_000, headers=FORM)
    json_body = await rig.http.post("/portal/act", json={"csrf": csrf})
    assert ok.status_code == 200
    assert [r.status_code for r in (missing, cross, big, json_body)] == [403] * 4
    await log_in(rig)  # a new session: the old token is no good for it
    stale = await rig.http.post("/portal/act", content=f"csrf={csrf}", headers=FORM)
    assert stale.status_code == 403


async def test_a_row_copied_under_another_id_does_not_open(rig: Rig) -> None:
    await log_in(rig)
    (row,) = rig.store.rows.values()
    await log_in(rig, "kv")
    other = next(r for r in rig.store.rows.values() if r is not row)
    from dataclasses import replace

    rig.store.rows[other.id_sha256] = replace(other, sealed_key=row.sealed_key, holder=row.holder,
                                              key_sha256=row.key_sha256)  # fmt: skip
    assert (await rig.http.get("/portal/me")).status_code == 401  # sealed for another session


async def test_purge_deletes_what_either_clock_ended(rig: Rig) -> None:
    await log_in(rig)
    rig.clock.now += timedelta(minutes=10)
    await log_in(rig, "kv")
    rig.clock.now += timedelta(minutes=25)
    assert await rig.sessions.purge() == 1 and len(rig.store.rows) == 1


@pytest.mark.parametrize(
    ("service", "migration"),
    [("review", "003_web_sessions.sql"), ("intake", "004_web_sessions.sql")],
)
def test_each_using_service_creates_the_table_the_runtime_reads(
    service: str, migration: str
) -> None:
    from herald.runtime.websessions import table_ddl

    root = Path(__file__).parents[3] / "services" / service / "src" / "herald" / service
    text = (root / "migrations" / migration).read_text(encoding="utf-8")
    sql = "\n".join(line for line in text.splitlines() if not line.startswith("--"))
    assert sql.strip() == table_ddl(service).strip()
