"""The violations board (曝光) against the real broker and Postgres: who is warned,
restricted or banned with their strikes, reasons and dates, over the API and on the
console page, shown to whom the review policy says (reloaded live)."""

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.integration.review.builders import accept, request
from tests.support.keys import bearer, key_entry
from tests.support.service import create_topics, new_prefix, running, service_env
from tests.support.waiting import eventually

from herald.contracts.internal import Submitter
from herald.review.main import create_app
from herald.review.settings import ReviewSettings

pytestmark = pytest.mark.integration
GAMBLING = "百家乐今晚开局"
FORM = {"content-type": "application/x-www-form-urlencoded"}


def people(folder: Path, uid: str) -> str:
    """Keys of the tenant's people: two departments' submitters and viewers, staff."""
    entries = [
        key_entry(name, f"key-{name}-{uid}", "acme", role, user, dept)
        for name, role, user, dept in (
            ("reviewer", "reviewer", "zhang.san", "compliance"),
            ("admin", "admin", "boss", "operations"),
            ("mkt-submitter", "submitter", f"s-{uid}", f"mkt-{uid}"),
            ("mkt-viewer", "viewer", f"v-{uid}", f"MKT-{uid}"),  # folded: the same department
            ("ops-submitter", "submitter", f"o-{uid}", f"ops-{uid}"),
            ("reporter", "reporter", "app", None),
        )
    ]
    path = folder / "keys.json"
    path.write_text(json.dumps({"keys": entries}), encoding="utf-8")
    return str(path)


def write_policy(path: Path, **violations: Any) -> None:
    ladder = {"warned": 1, "restricted": 2, "banned": 5}
    strikes = {"requester": ladder, "department": ladder}
    path.write_text(json.dumps({"strikes": strikes, "violations": violations}), encoding="utf-8")


async def board(http: httpx.AsyncClient, who: str, uid: str) -> httpx.Response:
    return await http.get("/v1/violations", headers=bearer(f"key-{who}-{uid}"))


def subjects(answer: httpx.Response) -> dict[tuple[str, str], dict[str, Any]]:
    return {(v["subject_kind"], v["subject"]): v for v in answer.json()["violations"]}


async def test_the_board_shows_strikes_and_reasons_to_whom_the_policy_says(
    kafka: str, database_url: str, uid: str, tmp_path: Path
) -> None:
    prefix = new_prefix()
    await create_topics(kafka, prefix)
    policy = tmp_path / "policy.json"
    write_policy(policy)
    env = service_env(
        kafka, database_url, prefix, api_keys_file=people(tmp_path, uid),
        review_policy_file=str(policy), review_dictionary_check_s=0.1,
        console_session_secret="console-test-secret-0123456789abcdef", console_cookie_secure=False,
    )  # fmt: skip
    mkt = Submitter(user=f"s-{uid}", department=f"mkt-{uid}", credential="k1", via="http")
    ops = Submitter(user=f"o-{uid}", department=f"ops-{uid}", credential="k2", via="http")
    async with running(create_app(ReviewSettings(**env))) as http:
        await accept(kafka, prefix, request(f"m1-{uid}", GAMBLING), submitter=mkt)
        await accept(kafka, prefix, request(f"m2-{uid}", GAMBLING), submitter=mkt)
        await accept(kafka, prefix, request(f"o1-{uid}", GAMBLING), submitter=ops)

        async def all_struck() -> Any:
            found = subjects(await board(http, "reviewer", uid))
            mine = found.get(("requester", f"s-{uid}"))
            return found if len(found) == 4 and mine and mine["strikes"] == 2 else None

        found = await eventually(all_struck, what="four subjects on the board")
        assert (await board(http, "admin", uid)).status_code == 200
        for who in ("mkt-submitter", "mkt-viewer", "reporter"):  # not shown by default
            assert (await board(http, who, uid)).status_code == 403

        s = found[("requester", f"s-{uid}")]
        assert (s["standing"], s["department"]) == ("restricted", f"mkt-{uid}")
        assert {v["request_id"] for v in s["violations"]} == {f"m1-{uid}", f"m2-{uid}"}
        assert all(
            v["codes"] == ["sensitive_content"] and v["by"] == "rules" for v in s["violations"]
        )
        assert all(v["excerpt"].startswith("冬季特卖 — 百家乐") for v in s["violations"])
        assert found[("department", f"ops-{uid}")]["standing"] == "warned"
        kinds = [v["standing"] for v in (await board(http, "reviewer", uid)).json()["violations"]]
        assert kinds == sorted(kinds, key=["restricted", "warned"].index)  # worst first

        write_policy(
            policy, visible_to=["reviewer", "admin", "submitter", "viewer"],
            request_ids_to=["reviewer", "admin"], excerpts_to=[],
        )  # fmt: skip

        async def reloaded() -> Any:
            answer = await board(http, "mkt-viewer", uid)
            return answer if answer.status_code == 200 else None

        own = subjects(await eventually(reloaded, what="the policy reloaded"))
        assert set(own) == {("requester", f"s-{uid}"), ("department", f"mkt-{uid}")}
        strike = own[("requester", f"s-{uid}")]["violations"][0]
        assert set(strike) == {"at", "by", "codes"}  # no request ids, no excerpts
        staff = subjects(await board(http, "reviewer", uid))[("requester", f"s-{uid}")]
        assert "request_id" in staff["violations"][0] and "excerpt" not in staff["violations"][0]

        login = await http.post(
            "/console/login", content=f"key=key-mkt-submitter-{uid}", headers=FORM
        )
        assert (login.status_code, login.headers["location"]) == (303, "/console/violations")
        page = await http.get("/console/violations")
        assert page.status_code == 200
        assert f"s-{uid}" in page.text and "sensitive_content" in page.text
        assert f"o-{uid}" not in page.text and f"m1-{uid}" not in page.text
        assert "<script" not in page.text
        assert page.headers["content-security-policy"].startswith("default-src 'none'")
        assert (await http.get("/console/")).headers["location"] == "/console/violations"
        assert (await http.get(f"/console/requests/m1-{uid}")).status_code == 303

        write_policy(policy, visible_to=["reviewer", "admin", "submitter"], other_departments=True)

        async def everyone() -> Any:
            answer = await board(http, "mkt-submitter", uid)
            return answer if len(answer.json()["violations"]) == 4 else None

        await eventually(everyone, what="other departments shown")
        assert (await board(http, "mkt-viewer", uid)).status_code == 403
