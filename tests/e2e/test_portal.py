"""The portal through the whole stack without a browser (the Chromium test does the same
clicks, tests/browser/test_portal.py): the dry run asks review and the scheduler with the
user's key, filing goes through intake's API path, the report comes from tracker."""

import contextlib
import re
import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import httpx
import pytest

from herald.devstack.seed import seed_demo_directory
from herald.devstack.stack import Stack
from tests.support.stack import add_key, directory_has
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e
FORM = {"content-type": "application/x-www-form-urlencoded"}


def fields(csrf: str, rid: str) -> list[tuple[str, str]]:
    return [
        ("csrf", csrf), ("request_id", rid), ("goal", "Winter sale"), ("category", "marketing"),
        ("priority", "normal"), ("channels", "app_push"), ("channels", "sms"),
        ("title", "冬季特卖今晚开始"), ("body", "会员专享 5 折起，点击查看详情。"),
        ("v_sms_body", "【Acme】冬季特卖今晚开始，会员5折起 回T退订"),
        ("audience", "recipients"), ("recipients", "u-1001 u-1003"), ("timezone", "UTC"),
    ]  # fmt: skip


@contextlib.asynccontextmanager
async def logged_in(stack: Stack, key: str) -> AsyncIterator[httpx.AsyncClient]:
    base = f"http://127.0.0.1:{stack.ports['intake']}"
    async with httpx.AsyncClient(base_url=base, timeout=20) as http:
        answer = await http.post("/portal/login", content=urlencode({"key": key}), headers=FORM)
        assert answer.headers.get("location") == "/portal/", answer.text
        yield http


async def test_filing_from_the_portal_reaches_completed_and_its_report(stack: Stack) -> None:
    assert await seed_demo_directory(
        stack.bootstrap, stack.database_url, stack.producer, stack.topic_prefix
    )
    await directory_has(stack, "u-1001", "u-1003")
    rid = f"mkt-e2e-portal-{uuid.uuid4().hex[:8]}"
    async with logged_in(stack, stack.keys["submitter"]) as http:
        page = (await http.get("/portal/new")).text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        body = urlencode([*fields(csrf, rid), ("action", "dry_run")])
        dry = await http.post("/portal/new", content=body, headers=FORM)
        assert 'id="dry-review">approved' in dry.text, dry.text
        assert 'id="dry-audience">2<' in dry.text
        assert '<th scope="row">app_push</th><td class="num">1</td>' in dry.text
        checked = re.search(r'name="checked" value="([^"]+)"', dry.text).group(1)  # type: ignore[union-attr]
        body = urlencode([*fields(csrf, rid), ("action", "file"), ("checked", checked)])
        filed = await http.post("/portal/new", content=body, headers=FORM)
        assert filed.headers["location"] == f"/portal/requests/{rid}"

        async def completed() -> str | None:
            text = (await http.get(f"/portal/requests/{rid}")).text
            return text if 'id="current-status">completed' in text else None

        await eventually(completed, timeout=90, what="completed in the portal's timeline")
        report = await http.get(f"/portal/requests/{rid}/report")
        assert "Funnel: 2 sent" in report.text and report.text.count('role="img"') == 3
        csv = await http.get(f"/portal/requests/{rid}/report.csv")
        assert csv.text.splitlines()[1].startswith("marketing,all,2,2,")

    ops = add_key(stack, "portal-ops", "submitter", "zhao.liu", "ops")
    async with logged_in(stack, ops) as http:
        listing = await http.get("/portal/")
        assert listing.status_code == 200 and rid not in listing.text
        assert (await http.get(f"/portal/requests/{rid}/report")).status_code == 404
    other = add_key(stack, "portal-globex", "admin", "boss", "operations", tenant="globex")
    async with logged_in(stack, other) as http:
        assert (await http.get(f"/portal/requests/{rid}")).status_code == 404
