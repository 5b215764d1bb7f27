"""The departments' portal in a real headless Chromium (Debian's), against the whole stack
(five services as processes, the session's broker and Postgres).

A submitter logs in with their key, files a request from the form after a dry run that
shows its audience and cost, follows its timeline until `completed` (the page reloads
itself), opens its report with the funnel chart, and downloads the CSV. A read through
the in-app inbox shows in the funnel. HERALD_UPDATE_SCREENSHOTS=1 rewrites
docs/screenshots/portal-*.png.
"""

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from herald.devstack.seed import seed_demo_directory
from herald.devstack.stack import Stack
from tests.support.stack import client, directory_has
from tests.support.waiting import eventually

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SHOTS = Path(__file__).parents[2] / "docs" / "screenshots"
playwright = pytest.importorskip("playwright.async_api")
if TYPE_CHECKING:
    from playwright.async_api import Browser, Page
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason="Debian's chromium is not installed (apt-get install chromium chromium-driver)",
    ),
]
TITLE, BODY = "冬季特卖今晚开始", "会员专享 5 折起，点击查看详情。"
SMS = "【Acme】冬季特卖今晚开始，会员5折起 回T退订"
"""A marketing SMS needs the sender's signature and how to opt out (review's rules)."""


@pytest.fixture
async def browser() -> AsyncIterator["Browser"]:
    async with playwright.async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


def shot(tmp_path: Path, name: str) -> Path:
    return (SHOTS if os.environ.get("HERALD_UPDATE_SCREENSHOTS") == "1" else tmp_path) / name


async def log_in(browser: "Browser", stack: Stack, role: str) -> "Page":
    base = f"http://127.0.0.1:{stack.ports['intake']}"
    context = await browser.new_context(
        base_url=base, accept_downloads=True, viewport={"width": 1100, "height": 900}
    )
    page = await context.new_page()
    await page.goto("/portal/")
    assert page.url.endswith("/portal/login")
    await page.fill("#key", stack.keys[role])
    await page.click("button[type=submit]")
    await page.wait_for_url("**/portal/")
    return page


async def read_in_app(stack: Stack, rid: str) -> None:
    """u-1002's app reads the message (the dispatcher's inbox), as the README shows."""
    async with client(stack, "dispatcher", "reporter") as dispatcher:
        inbox = (await dispatcher.get("/v1/inbox/u-1002")).json()
        (message,) = [m for m in inbox["messages"] if m["request_id"] == rid]
        await dispatcher.post(f"/v1/inbox/u-1002/{message['delivery_id']}/read")
    async with client(stack, "tracker", "viewer") as tracker:

        async def counted() -> dict[str, Any] | None:
            report: dict[str, Any] = (await tracker.get(f"/v1/requests/{rid}/report")).json()
            return report if report.get("read") == 1 else None

        await eventually(counted, timeout=30, what="the read in tracker's report")


async def test_a_department_files_a_request_follows_it_and_downloads_its_report(
    stack: Stack, browser: "Browser", tmp_path: Path
) -> None:
    assert await seed_demo_directory(
        stack.bootstrap, stack.database_url, stack.producer, stack.topic_prefix
    )
    await directory_has(stack, "u-1001", "u-1002", "u-1003")
    rid = f"mkt-portal-{uuid.uuid4().hex[:8]}"
    page = await log_in(browser, stack, "submitter")

    await page.get_by_role("link", name="File a request").first.click()
    await page.wait_for_url("**/portal/new")
    await page.fill("#request_id", rid)
    await page.fill("#goal", "Tell members about tonight's winter sale")
    for channel in ("sms", "in_app"):
        await page.check(f"input[name=channels][value={channel}]")
    await page.fill("#title", TITLE)
    await page.fill("#body", BODY)
    await page.fill("#recipients", "u-1001 u-1002 u-1003")
    await page.fill("#labels", "campaign=winter-2026")
    await page.click("button[value=dry_run]")
    await page.locator("#dry-run").wait_for()
    assert await page.locator("#dry-review").inner_text() == "rejected"
    await page.get_by_text("a marketing SMS must say how to opt out").wait_for()

    await page.click("text=Wording per channel")
    await page.fill("#v_sms_body", SMS)
    await page.click("button[value=dry_run]")
    await page.locator("#dry-review", has_text="approved").wait_for()
    assert await page.locator("#dry-audience").inner_text() == "3"
    assert await page.locator("#dry-sends").inner_text() == "3"
    await page.screenshot(path=shot(tmp_path, "portal-new.png"), full_page=True)

    await page.click("button[value=file]")
    await page.wait_for_url(f"**/portal/requests/{rid}")
    status = page.locator("#current-status", has_text="completed")
    await status.wait_for(timeout=90_000)  # the page reloads itself until then
    steps = await page.locator(".timeline > li > .status").all_inner_texts()
    assert steps[0] == "accepted" and steps[-1] == "completed" and "approved" in steps
    await page.screenshot(path=shot(tmp_path, "portal-timeline.png"), full_page=True)

    await read_in_app(stack, rid)
    await page.get_by_role("link", name="Report", exact=True).click()
    await page.wait_for_url(f"**/portal/requests/{rid}/report")
    funnel = page.locator("svg[aria-labelledby='funnel-t funnel-d']")
    assert "3 sent, 1 delivered, 1 read, 0 clicked" in (
        await funnel.locator("desc").text_content() or ""
    )
    assert await page.locator("svg[role=img]").count() == 3
    await page.screenshot(path=shot(tmp_path, "portal-report.png"), full_page=True)
    async with page.expect_download() as downloading:
        await page.get_by_role("link", name="Download CSV").click()
    csv = Path(await (await downloading.value).path()).read_text(encoding="utf-8")
    header, first = csv.splitlines()[:2]
    assert header.startswith("department,channel,recipients,sent,delivered")
    assert first.startswith("marketing,all,3,3,1,")

    await page.get_by_role("link", name="Reports", exact=True).click()
    await page.locator("svg[aria-labelledby='by-department-t by-department-d']").wait_for()
    await page.screenshot(path=shot(tmp_path, "portal-reports.png"), full_page=True)
    await page.get_by_role("link", name="Requests", exact=True).click()
    await page.get_by_role("link", name=rid).wait_for()
    await page.screenshot(path=shot(tmp_path, "portal-requests.png"), full_page=True)

    await page.click("text=Log out")
    await page.wait_for_url("**/portal/login")
    await page.goto(f"/portal/requests/{rid}")
    assert page.url.endswith("/portal/login")
