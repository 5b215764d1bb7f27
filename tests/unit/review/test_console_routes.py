"""The console's routes without a broker or Postgres: off without a secret, headers,
login refusals, no session means the login page, and nothing in the OpenAPI schema."""

import json
from pathlib import Path

import httpx
import pytest
from tests.support.fakes import FakeSessionStore

from herald.review.main import create_app
from herald.review.settings import ReviewSettings
from herald.runtime.auth import hash_key

BASE = {"database_url": "postgresql://nobody@127.0.0.1:1/none", "tenants": "acme"}


def keys(folder: Path) -> str:
    path = folder / "keys.json"
    records = [
        {
            "id": role,
            "sha256": hash_key(f"key-{role}"),
            "tenant": "acme",
            "role": role,
            "user": role,
        }
        for role in ("reviewer", "viewer")
    ]
    path.write_text(json.dumps({"keys": records}), encoding="utf-8")
    return str(path)


def client(**settings: object) -> httpx.AsyncClient:
    settings = ReviewSettings(**BASE, **settings)  # type: ignore[arg-type]
    app = create_app(settings, sessions=FakeSessionStore())
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://review")


async def test_without_a_session_secret_the_console_is_not_there() -> None:
    async with client() as http:
        for path in ("/console/login", "/console/", "/console/static/console.css"):
            assert (await http.get(path)).status_code == 404


@pytest.fixture
def console(tmp_path: Path) -> httpx.AsyncClient:
    return client(
        console_session_secret="console-test-secret-0123456789abcdef",
        console_cookie_secure=False,
        api_keys_file=keys(tmp_path),
        http_docs=True,
    )


async def test_console_pages_carry_a_strict_policy_and_stay_out_of_the_schema(
    console: httpx.AsyncClient,
) -> None:
    async with console as http:
        page = await http.get("/console/login")
        css = await http.get("/console/static/console.css")
        schema = (await http.get("/openapi.json")).json()
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    csp = page.headers["content-security-policy"]
    assert csp == (
        "default-src 'none'; style-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    )
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "<script" not in page.text and "style=" not in page.text
    assert css.headers["content-type"].startswith("text/css")
    assert not [p for p in schema["paths"] if p.startswith("/console")]


async def test_only_reviewer_keys_log_in_and_the_key_never_reaches_the_cookie(
    console: httpx.AsyncClient,
) -> None:
    form = {"content-type": "application/x-www-form-urlencoded"}
    async with console as http:
        assert (await http.get("/console/")).headers["location"] == "/console/login"
        wrong = await http.post("/console/login", content="key=nope", headers=form)
        viewer = await http.post("/console/login", content="key=key-viewer", headers=form)
        cross = await http.post(
            "/console/login",
            content="key=key-reviewer",
            headers={**form, "sec-fetch-site": "cross-site"},
        )
        ok = await http.post("/console/login?next=https://evil.example", content="key=key-reviewer",
                             headers=form)  # fmt: skip
    assert (wrong.status_code, viewer.status_code, cross.status_code) == (401, 403, 400)
    assert "Unknown or revoked API key." in wrong.text
    assert "set-cookie" not in viewer.headers and "set-cookie" not in cross.headers
    assert (ok.status_code, ok.headers["location"]) == (303, "/console/")
    cookie = ok.headers["set-cookie"]
    assert "key-reviewer" not in cookie
    assert all(flag in cookie.lower() for flag in ("httponly", "samesite=strict", "path=/console"))


async def test_secure_cookies_by_default(tmp_path: Path) -> None:
    form = {"content-type": "application/x-www-form-urlencoded"}
    secret = "console-test-secret-0123456789abcdef"
    async with client(console_session_secret=secret, api_keys_file=keys(tmp_path)) as http:
        ok = await http.post("/console/login", content="key=key-reviewer", headers=form)
    assert "secure" in ok.headers["set-cookie"].lower()
