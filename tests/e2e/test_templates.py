"""Stored templates through the whole stack (issue 18, part 1): a version is published,
review approves it, and a request that names it and supplies only values is sent with
the values in place (in the locale along its fallback chain) and names the version in
its statuses; what review did not approve cannot be used; a value is text review reads.
"""

import json
from typing import Any

import httpx
import pytest

from herald.devstack.stack import Stack
from tests.e2e.test_walking_skeleton import recipient
from tests.support.kafka import TopicWatcher, jbytes, produce
from tests.support.sink import HttpSink
from tests.support.stack import add_key, client, directory_has, topic
from tests.support.templates import ORDER_TEXTS, templated
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e

TEXTS = ORDER_TEXTS


def new_template(name: str, texts: dict[str, Any] = TEXTS) -> dict[str, Any]:
    return {"name": name, "category": "notification", "channels": ["webhook"], "texts": texts}


async def decided(http: httpx.AsyncClient, name: str, version: int) -> dict[str, Any]:
    """The version once review decided it."""

    async def state() -> dict[str, Any] | None:
        got = (await http.get(f"/v1/templates/{name}/versions/{version}")).json()
        return got if got["state"] not in ("draft", "in_review") else None

    found: dict[str, Any] = await eventually(state, timeout=60, what=f"review of {name}")
    return found


async def published(
    http: httpx.AsyncClient, name: str, texts: dict[str, Any] = TEXTS
) -> dict[str, Any]:
    r = await http.post("/v1/templates", json=new_template(name, texts))
    assert r.status_code == 201, r.text[:300]
    assert r.json()["state"] == "draft" and r.json()["version"] == 1
    r = await http.post(f"/v1/templates/{name}/versions/1/publish")
    assert r.status_code == 202, r.text[:300]
    assert r.json()["state"] == "in_review"
    return await decided(http, name, 1)


async def test_a_published_template_is_sent_with_its_values_and_names_its_version(
    stack: Stack, sink: HttpSink, uid: str
) -> None:
    status = await TopicWatcher(stack.bootstrap, topic(stack, "push.status.v1")).start()
    try:
        user = f"u-{uid}-t"
        await produce(
            stack.bootstrap,
            topic(stack, "push.recipients.v1"),
            [(user, jbytes(recipient(user, sink.url(f"/hook/{user}"))))],
        )
        await directory_has(stack, user)
        name, rid = f"shipped-{uid}", f"tpl-{uid}"
        async with client(stack, "intake") as http:
            version = await published(http, name)
            assert version["state"] == "approved", version
            # editing makes a new version, a draft: "latest published" is still version 1
            r = await http.post(f"/v1/templates/{name}/versions", json={"texts": TEXTS})
            assert (r.status_code, r.json()["version"], r.json()["state"]) == (201, 2, "draft")
            use = {"name": name, "locale": "zh-Hant-HK", "values": {"name": "Ann", "order": "A-17"}}
            r = await http.post("/v1/requests", json=templated(rid, [user], use))
            assert r.status_code == 202, r.text[:300]
            assert r.json()["template"] == {"name": name, "version": 1}
            listed = (await http.get("/v1/templates")).json()["templates"]
            mine = next(t for t in listed if t["name"] == name)
            assert (mine["latest_version"], mine["published_version"]) == (2, 1)

        call = await eventually(
            lambda: next((c for c in sink.received if c.path == f"/hook/{user}"), None),
            timeout=60,
            what="the webhook call",
        )
        sent = json.loads(call.body)
        assert sent["title"] == "歡迎 Ann"
        assert sent["body"] == "您的訂單 A-17 今天出貨。"
        final = await eventually(
            lambda: [s.json() for s in status.for_key(rid) if s.json()["status"] == "completed"],
            timeout=60,
            what="completed",
        )
        assert final[0]["counts"]["sent"] == 1
        approved = [s.json() for s in status.for_key(rid) if s.json()["status"] == "approved"]
        assert approved[0]["template"] == {"name": name, "version": 1}
    finally:
        await status.stop()


async def test_only_a_version_review_approved_can_be_used(stack: Stack, uid: str) -> None:
    draft, bad = f"draft-{uid}", f"bad-{uid}"
    values = {"name": "Ann", "order": "A-1"}
    async with client(stack, "intake") as http:
        r = await http.post("/v1/templates", json=new_template(draft))
        assert r.status_code == 201
        blocked = {
            "default": {"title": "今晚 百家乐 {{ values.name }}", "body": "{{ values.order }}"}
        }
        rejected = await published(http, bad, blocked)
        assert rejected["state"] == "rejected"
        assert rejected["reasons"][0]["code"] == "sensitive_content"
        assert rejected["reasons"][0]["detail"]["field"] == "texts.default.title"
        cases = {
            f"d1-{uid}": ({"name": draft, "version": 1, "values": values}, "is draft"),
            f"d2-{uid}": ({"name": draft, "values": values}, "no published version"),
            f"b1-{uid}": ({"name": bad, "version": 1, "values": values}, "is rejected"),
            f"n1-{uid}": ({"name": f"none-{uid}", "values": values}, "no such template"),
        }
        for rid, (use, why) in cases.items():
            r = await http.post("/v1/requests", json=templated(rid, ["u-1"], use))
            assert r.status_code == 422, (use, r.text[:300])
            errors = r.json()["errors"]
            assert any(e["field"].startswith("template.") and why in e["message"] for e in errors)


async def test_a_value_with_a_blocked_term_is_caught_by_review(stack: Stack, uid: str) -> None:
    status = await TopicWatcher(stack.bootstrap, topic(stack, "push.status.v1")).start()
    try:
        name, rid = f"values-{uid}", f"tplv-{uid}"
        # a submitter of its own: the rejection strikes them
        own = {"department": f"tpl-{uid}", "user": f"tpl-{uid}"}
        add_key(stack, f"tpl-{uid}", "submitter", own["user"], own["department"])
        async with client(stack, "intake", f"tpl-{uid}") as http:
            assert (await published(http, name))["state"] == "approved"
            use = {"name": name, "values": {"name": "百家乐", "order": "A-2"}}
            body = templated(rid, ["u-1"], use, requester=own)
            r = await http.post("/v1/requests", json=body)
            assert r.status_code == 202, r.text[:300]
        final = await eventually(
            lambda: [s.json() for s in status.for_key(rid) if s.json()["status"] == "rejected"],
            timeout=60,
            what="review's rejection",
        )
        found = {(x["code"], x["detail"].get("field")) for x in final[0]["reasons"]}
        assert ("sensitive_content", "content.title") in found, found
        assert final[0]["template"] == {"name": name, "version": 1}
    finally:
        await status.stop()


async def test_a_department_files_from_a_template_in_the_portal(
    stack: Stack, sink: HttpSink, uid: str
) -> None:
    """The portal's form names a published template and its values instead of a title and
    body: the dry run and the filing resolve it like the JSON API, and what is sent is the
    template's text with the values in place."""
    user = f"u-{uid}-p"
    await produce(
        stack.bootstrap,
        topic(stack, "push.recipients.v1"),
        [(user, jbytes(recipient(user, sink.url(f"/hook/{user}"))))],
    )
    await directory_has(stack, user)
    name, rid = f"portal-{uid}", f"ptl-{uid}"
    async with client(stack, "intake") as http:
        assert (await published(http, name))["state"] == "approved"
    form = {"request_id": rid, "goal": "Tell customers their order ships",
            "category": "notification", "priority": "normal", "audience": "recipients",
            "recipients": user, "timezone": "UTC", "template": name, "template_locale": "zh",
            "template_values": "name=Bo\norder=B-2"}  # fmt: skip
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{stack.ports['intake']}", timeout=20
    ) as browser:
        form_type = {"content-type": "application/x-www-form-urlencoded"}
        login = await browser.post(
            "/portal/login", content=f"key={stack.keys['submitter']}", headers=form_type
        )
        assert login.status_code == 303, login.text[:300]
        page = (await browser.get("/portal/new")).text
        assert 'name="template_values"' in page
        csrf = page.split('name="csrf" value="')[1].split('"')[0]
        fields = [*form.items(), ("csrf", csrf), ("channels", "webhook")]
        dry = await browser.post("/portal/new", data=dict([*fields, ("action", "dry_run")]))
        assert dry.status_code == 200 and "Dry run" in dry.text, dry.text[:2000]
        checked = dry.text.split('name="checked" value="')[1].split('"')[0]
        filed = await browser.post(
            "/portal/new", data=dict([*fields, ("action", "file"), ("checked", checked)])
        )
        assert (filed.status_code, filed.headers.get("location")) == (
            303, f"/portal/requests/{rid}",
        ), filed.text[:2000]  # fmt: skip

    call = await eventually(
        lambda: next((c for c in sink.received if c.path == f"/hook/{user}"), None),
        timeout=60,
        what="the webhook call",
    )
    sent = json.loads(call.body)
    assert (sent["title"], sent["body"]) == ("欢迎 Bo", "您的订单 B-2 今天发货。")
