"""The review console in a real headless Chromium (Debian's), against the review service
running in-process on a real port with the session's broker and Postgres.

A reviewer logs in, sees the held request in the queue with its age, opens it, sees the
held term in a <mark>, approves with a note, and the request goes on; a push whose body
carries <script> and an onerror handler shows as text and runs nothing; the requester's
own key cannot approve (four eyes). HERALD_UPDATE_SCREENSHOTS=1 rewrites
docs/screenshots/review-queue.png and review-detail.png.
"""

import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from herald.review.main import create_app
from herald.review.settings import ReviewSettings
from tests.integration.review.builders import accept, request
from tests.integration.review.harness import auth, write_keys
from tests.support.kafka import TopicWatcher
from tests.support.serve import serving
from tests.support.service import create_topics, new_prefix, service_env
from tests.support.waiting import eventually

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SHOTS = Path(__file__).parents[2] / "docs" / "screenshots"
playwright = pytest.importorskip("playwright.async_api")
if TYPE_CHECKING:
    from playwright.async_api import Browser, Page
pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason="Debian's chromium is not installed (apt-get install chromium chromium-driver)",
    ),
]
HELD_BODY = (
    "会员专享 5 折起，今晚 20:00 开抢！同场首映《血腥玛丽》，凭券入场。"
    "详情见 https://bit.ly/acme-winter"
)
XSS_BODY = "Hello <script>document.title='pwned'</script><img src=x onerror=alert(1)> there"


@pytest.fixture
async def browser() -> AsyncIterator["Browser"]:
    async with playwright.async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


async def state(http: httpx.AsyncClient, rid: str) -> str | None:
    answer = await http.get(f"/v1/reviews/{rid}", headers=auth("reviewer"))
    return answer.json()["state"] if answer.status_code == 200 else None


async def log_in(browser: "Browser", base: str, key: str) -> "Page":
    page = await (await browser.new_context(base_url=base)).new_page()
    await page.goto("/console/")
    assert page.url.endswith("/console/login")
    await page.fill("#key", key)
    await page.click("button[type=submit]")
    await page.wait_for_url("**/console/")
    return page


def shot(tmp_path: Path, name: str) -> Path:
    return (SHOTS if os.environ.get("HERALD_UPDATE_SCREENSHOTS") == "1" else tmp_path) / name


async def test_a_reviewer_approves_a_held_push_and_untrusted_content_runs_nothing(
    kafka: str, database_url: str, uid: str, tmp_path: Path, browser: "Browser"
) -> None:
    prefix = new_prefix()
    await create_topics(kafka, prefix)
    status = await TopicWatcher(kafka, prefix + "push.status.v1").start()
    approved = await TopicWatcher(kafka, prefix + "push.approved.v1").start()
    env = service_env(
        kafka, database_url, prefix, api_keys_file=write_keys(tmp_path),
        console_session_secret="browser-test-secret-0123456789abcdef", console_cookie_secure=False,
    )  # fmt: skip
    held, xss = f"mkt-{uid}-0001", f"mkt-{uid}-0002"
    content = {"title": "冬季特卖今晚开始", "body": HELD_BODY, "url": "https://shop.example.com/winter",
               "media": [{"kind": "image", "url": "https://cdn.example.com/w.png"}]}  # fmt: skip
    try:
        async with serving(create_app(ReviewSettings(**env))) as base:
            async with httpx.AsyncClient(base_url=base) as http:
                goal = "Announce the winter sale to VIP customers"
                await accept(kafka, prefix, request(held, content=content, goal=goal))
                await accept(kafka, prefix, request(xss, XSS_BODY))
                await eventually(lambda: state(http, held), what="held request recorded")
                await eventually(lambda: state(http, xss), what="script request recorded")
                assert await state(http, held) == "pending"
                assert await state(http, xss) == "rejected"  # <script> blocks: open it directly

            own = await log_in(browser, base, "key-self-reviewer")
            await own.goto(f"/console/requests/{held}")
            await own.get_by_text("Four eyes: you (li.wei) submitted this request").wait_for()
            assert await own.locator("button.approve").count() == 0
            csrf = await own.locator("input[name=csrf]").first.input_value()
            forged = await own.request.post(
                f"/console/requests/{held}/decision",
                form={"csrf": csrf, "decision": "approve", "note": "mine"},
            )
            assert forged.status == 403 and "Four eyes" in await forged.text()

            page = await log_in(browser, base, "key-reviewer")
            row = page.locator("tr", has=page.locator(f"a:text-is('{held}')"))
            assert re.fullmatch(r"\d+ (s|min)", (await row.locator("td.age").inner_text()).strip())
            await page.screenshot(path=shot(tmp_path, "review-queue.png"), full_page=True)

            await row.locator("a").click()
            await page.wait_for_url(f"**/console/requests/{held}")
            marks = await page.locator("td.text mark").all_inner_texts()
            assert "血腥" in marks and "https://bit.ly/acme-winter" in marks
            await page.get_by_text("matched 1 term in category violence").wait_for()
            await page.screenshot(path=shot(tmp_path, "review-detail.png"), full_page=True)

            await page.fill("#note", "Film title, not violence; link checked.")
            await page.click("button.approve")
            await page.wait_for_url("**/console/")
            await page.get_by_text(f"{held} approved.").wait_for()
            assert await page.locator(f"a:text-is('{held}')").count() == 0
            await eventually(lambda: approved.for_key(held), what="approved envelope")
            await eventually(lambda: len(status.for_key(held)) >= 2, what="approved status")
            assert [s.json()["status"] for s in status.for_key(held)] == [
                "pending_review", "approved"
            ]  # fmt: skip

            dialogs: list[str] = []
            page.on("dialog", lambda d: dialogs.append(d.message))
            answer = await page.goto(f"/console/requests/{xss}")
            assert answer is not None and "script-src" not in answer.headers.get(
                "content-security-policy", "-"
            )
            await page.get_by_text("<script>document.title='pwned'</script>").wait_for()
            await page.get_by_text("<img src=x onerror=alert(1)>").first.wait_for()
            assert await page.title() == f"{xss} · Herald review"
            assert await page.locator("script, img").count() == 0
            assert dialogs == []

            await page.click("text=Log out")
            await page.wait_for_url("**/console/login")
            await page.goto("/console/")
            assert page.url.endswith("/console/login")
    finally:
        await status.stop()
        await approved.stop()
