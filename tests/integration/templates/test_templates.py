"""Stored templates on the real broker and Postgres (intake and review in-process): a
published version goes through review once and only an approved one can be used; a
request naming it carries the content made from it, values in place, in the locale
along its fallback chain, and names the exact version; review reads the values."""

from pathlib import Path
from typing import Any

import pytest

from tests.integration.templates.harness import Pair, intake_and_review
from tests.support.templates import ORDER_TEXTS, templated, with_default_body
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

TEXTS = with_default_body(
    ORDER_TEXTS, "Order {{ values.order }} ships today, {{ recipient.attributes.city }}."
)
VALUES = {"name": "Ann", "order": "A-17"}


async def create(pair: Pair, name: str, texts: dict[str, Any] = TEXTS) -> None:
    body = {"name": name, "category": "notification", "channels": ["webhook"], "texts": texts}
    r = await pair.intake.post("/v1/templates", json=body, headers=pair.as_("submitter"))
    assert (r.status_code, r.json()["version"], r.json()["state"]) == (201, 1, "draft"), r.text


async def publish(pair: Pair, name: str, version: int = 1) -> None:
    r = await pair.intake.post(
        f"/v1/templates/{name}/versions/{version}/publish", headers=pair.as_("submitter")
    )
    assert (r.status_code, r.json()["state"]) == (202, "in_review"), r.text


async def submit(pair: Pair, rid: str, use: dict[str, Any]) -> Any:
    return await pair.intake.post(
        "/v1/requests", json=templated(rid, ["u-1"], use), headers=pair.as_("submitter")
    )


async def test_a_published_template_is_used_with_its_values_and_names_its_version(
    kafka: str, database_url: str, uid: str, tmp_path: Path
) -> None:
    async with intake_and_review(kafka, database_url, tmp_path) as pair:
        name = f"ships-{uid}"
        await create(pair, name)
        await publish(pair, name)
        assert (await pair.decided(name, 1))["state"] == "approved"
        edited = await pair.intake.post(
            f"/v1/templates/{name}/versions", json={"texts": TEXTS}, headers=pair.as_("submitter")
        )
        assert (edited.json()["version"], edited.json()["state"]) == (2, "draft")

        cases = {"zh-Hant-HK": "歡迎 Ann", "zh-Hans-CN": "欢迎 Ann", "fr": "Welcome, Ann"}
        for i, (locale, title) in enumerate(cases.items()):
            rid = f"tpl-{uid}-{i}"
            r = await submit(pair, rid, {"name": name, "locale": locale, "values": VALUES})
            assert r.status_code == 202, r.text
            assert r.json()["template"] == {"name": name, "version": 1}
            [passed] = await eventually(lambda rid=rid: pair.approved.for_key(rid), what=rid)
            sent = passed.json()["request"]
            assert sent["content"]["title"] == title
            assert sent["template"]["used_version"] == 1
        default = pair.approved.for_key(f"tpl-{uid}-2")[0].json()["request"]["content"]
        assert default["body"] == "Order A-17 ships today, {{ recipient.attributes.city }}."
        approved = [
            s.json()
            for s in pair.status.for_key(f"tpl-{uid}-0")
            if s.json()["status"] == "approved"
        ]
        assert approved[0]["template"] == {"name": name, "version": 1}


async def test_unpublished_rejected_and_unknown_versions_are_refused_with_their_fields(
    kafka: str, database_url: str, uid: str, tmp_path: Path
) -> None:
    async with intake_and_review(kafka, database_url, tmp_path) as pair:
        draft, bad = f"draft-{uid}", f"bad-{uid}"
        await create(pair, draft)
        await create(pair, bad, {"default": {"title": "今晚 百家乐", "body": "{{ values.order }}"}})
        await publish(pair, bad)
        rejected = await pair.decided(bad, 1)
        assert rejected["state"] == "rejected"
        assert (rejected["reasons"][0]["code"], rejected["reasons"][0]["detail"]["field"]) == (
            "sensitive_content",
            "texts.default.title",
        )
        cases = [
            ({"name": draft, "version": 1, "values": VALUES}, "template.version", "is draft"),
            ({"name": draft, "values": VALUES}, "template.version", "no published version"),
            ({"name": bad, "version": 1, "values": {"order": "x"}}, "template.version", "rejected"),
            ({"name": f"none-{uid}", "values": VALUES}, "template.name", "no such template"),
        ]
        for i, (use, field, why) in enumerate(cases):
            r = await submit(pair, f"no-{uid}-{i}", use)
            assert r.status_code == 422, (use, r.text)
            errors = r.json()["errors"]
            assert any(e["field"] == field and why in e["message"] for e in errors), errors
        again = await pair.intake.post(
            f"/v1/templates/{bad}/versions/1/publish", headers=pair.as_("submitter")
        )
        assert again.status_code == 409  # a decided version is not published again


async def test_a_value_with_a_blocked_term_is_caught_by_review(
    kafka: str, database_url: str, uid: str, tmp_path: Path
) -> None:
    async with intake_and_review(kafka, database_url, tmp_path) as pair:
        name, rid = f"vals-{uid}", f"val-{uid}"
        await create(pair, name)
        await publish(pair, name)
        assert (await pair.decided(name, 1))["state"] == "approved"
        r = await submit(pair, rid, {"name": name, "values": {"name": "百家乐", "order": "1"}})
        assert r.status_code == 202, r.text
        final = await eventually(
            lambda: [
                s.json() for s in pair.status.for_key(rid) if s.json()["status"] == "rejected"
            ],
            what="review's rejection",
        )
        found = {(x["code"], x["detail"].get("field")) for x in final[0]["reasons"]}
        assert ("sensitive_content", "content.title") in found, found
        assert not pair.approved.for_key(rid)


async def test_a_held_version_waits_for_a_human_other_than_its_publisher(
    kafka: str, database_url: str, uid: str, tmp_path: Path
) -> None:
    async with intake_and_review(kafka, database_url, tmp_path) as pair:
        name = f"held-{uid}"
        await create(pair, name, {"default": {"title": "Sale", "body": "详情 https://bit.ly/x"}})
        await publish(pair, name)
        held = await pair.decided(name, 1, pending_ok=True)
        assert held["state"] == "in_review" and held["reasons"], held
        queue = await pair.review.get("/v1/template-reviews", headers=pair.as_("reviewer"))
        assert [(x["name"], x["version"]) for x in queue.json()["reviews"]] == [(name, 1)]
        path = f"/v1/template-reviews/{name}/1/decision"
        own = await pair.review.post(
            path, json={"decision": "approve"}, headers=pair.as_("self-reviewer")
        )
        assert own.status_code == 403  # four eyes: li.wei published it
        ok = await pair.review.post(
            path, json={"decision": "approve", "note": "link checked"}, headers=pair.as_("reviewer")
        )
        assert ok.status_code == 200, ok.text
        decided = await pair.decided(name, 1)
        assert (decided["state"], decided["decided_by"]) == ("approved", "zhang.san")


def _rejected(status: dict[str, Any]) -> bool:
    return bool(status["status"] == "rejected")
