"""The violations board in a real headless Chromium: a reviewer opens it from the
console's bar and sees who is restricted, with the strikes' reasons, dates and excerpts;
an excerpt carrying <script> shows as text and runs nothing. HERALD_UPDATE_SCREENSHOTS=1
rewrites docs/screenshots/violations-board.png."""

import json
from pathlib import Path

import httpx
import pytest

from herald.review.main import create_app
from herald.review.settings import ReviewSettings
from tests.browser.test_review_console import (
    CHROMIUM,
    XSS_BODY,
    browser,  # noqa: F401 - the fixture
    log_in,
    shot,
)
from tests.integration.review.builders import accept, request
from tests.integration.review.harness import auth, write_keys
from tests.support.serve import serving
from tests.support.service import create_topics, new_prefix, service_env
from tests.support.waiting import eventually

playwright = pytest.importorskip("playwright.async_api")
pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


async def test_a_reviewer_reads_the_violations_board_and_its_excerpts_run_nothing(
    kafka: str,
    database_url: str,
    uid: str,
    tmp_path: Path,
    browser: "playwright.Browser",  # noqa: F811
) -> None:
    prefix = new_prefix()
    await create_topics(kafka, prefix)
    policy = tmp_path / "policy.json"
    ladder = {"warned": 1, "restricted": 2, "banned": 4}
    policy.write_text(json.dumps({"strikes": {"requester": ladder}}), encoding="utf-8")
    env = service_env(
        kafka, database_url, prefix, api_keys_file=write_keys(tmp_path),
        review_policy_file=str(policy),
        console_session_secret="browser-test-secret-0123456789abcdef", console_cookie_secure=False,
    )  # fmt: skip
    async with serving(create_app(ReviewSettings(**env))) as base:
        await accept(
            kafka, prefix, request(f"x-{uid}", XSS_BODY), request(f"g-{uid}", "百家乐今晚开局")
        )
        async with httpx.AsyncClient(base_url=base) as http:

            async def restricted() -> bool:
                r = await http.get("/v1/violations", headers=auth("reviewer"))
                return any(v["standing"] == "restricted" for v in r.json()["violations"])

            await eventually(restricted, what="li.wei restricted")

        page = await log_in(browser, base, "key-reviewer")
        dialogs: list[str] = []
        page.on("dialog", lambda d: dialogs.append(d.message))
        await page.click("a.nav")
        await page.wait_for_url("**/console/violations")
        row = page.locator("tr", has=page.locator("td", has_text="li.wei"))
        await row.get_by_text("restricted").first.wait_for()
        assert await row.locator(".code", has_text="sensitive_content").count() == 1
        await page.get_by_text("<script>document.title='pwned'</script>").first.wait_for()
        assert await page.locator("script, img").count() == 0 and dialogs == []
        assert await page.title() == "Violations · Herald review"
        await page.locator(f"a:text-is('g-{uid}')").click()  # a reviewer opens the request
        await page.wait_for_url(f"**/console/requests/g-{uid}")
        await page.go_back()
        await page.screenshot(path=shot(tmp_path, "violations-board.png"), full_page=True)
