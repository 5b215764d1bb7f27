"""What is sent is what was reviewed (issue 14), through the whole stack.

Personalisation review cannot see through is refused at intake, on both paths (HTTP 422
naming the field; Kafka: a dead letter and a `rejected` status). What review can see
through is judged as it will be sent: labels in the text and on their own, SMS with its
links as tracked.
"""

from typing import Any

import pytest

from herald.devstack.stack import Stack
from tests.e2e.test_walking_skeleton import push_request
from tests.support.kafka import TopicWatcher, jbytes, produce
from tests.support.stack import add_key, client, topic
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e

_LABELS = {f"k{i}": "x" * 256 for i in range(32)}
_MEGABYTES = "".join(f"{{{{ labels.k{i} }}}}" for i in range(32)) * 300
"""200,000 characters of template that would render 2.4 million."""

REFUSED_AT_INTAKE: dict[str, tuple[dict[str, Any], str, str]] = {
    "expression": ({"body": "Try {{ 'b' ~ 'et365' }}"}, "content.body", "at character 4"),
    "string method": (
        {"title": "{{ labels.campaign.replace('w', 'b') }}"},
        "content.title",
        "not a field",
    ),
    "slicing": ({"body": "{{ labels.campaign[0:3] }}"}, "content.body", "not a field"),
    "if block": (
        {"variants": {"sms": {"body": "【Acme】{% if vip %}百家乐{% endif %}"}}},
        "content.variants.sms.body",
        "blocks",
    ),
    "host placeholder": (
        {"url": "https://{{ recipient.id }}.example.com/sale"},
        "content.url",
        "where a link leads",
    ),
    "megabytes": (
        {"variants": {"in_app": {"html": _MEGABYTES}}},
        "content.variants.in_app.html",
        "may render to 2457600 characters",
    ),
}


def bypass(rid: str, name: str) -> dict[str, Any]:
    content, _, _ = REFUSED_AT_INTAKE[name]
    body = push_request(rid, ["u-1"], channels=["webhook", "sms", "in_app"])
    labels = _LABELS if name == "megabytes" else {"campaign": "winter"}
    return body | {"content": body["content"] | content, "labels": labels}  # type: ignore[operator]


@pytest.mark.parametrize("name", sorted(REFUSED_AT_INTAKE))
async def test_each_bypass_is_refused_over_http_with_its_field(
    stack: Stack, uid: str, name: str
) -> None:
    _, field, why = REFUSED_AT_INTAKE[name]
    async with client(stack, "intake") as http:
        rid = f"gate-h-{uid}-{name.replace(' ', '-')}"
        r = await http.post("/v1/requests", json=bypass(rid, name))
    assert r.status_code == 422, r.text[:300]
    assert r.json()["code"] == "invalid_request"
    errors = r.json()["errors"]
    assert any(e["field"] == field and why in e["message"] for e in errors), errors


async def test_each_bypass_on_kafka_is_dead_lettered_and_rejected_with_its_field(
    stack: Stack, uid: str
) -> None:
    dlq = await TopicWatcher(stack.bootstrap, topic(stack, "push.dlq.v1")).start()
    status = await TopicWatcher(stack.bootstrap, topic(stack, "push.status.v1")).start()
    sent = {f"gate-k-{uid}-{i}": name for i, name in enumerate(sorted(REFUSED_AT_INTAKE))}
    try:
        await produce(
            stack.bootstrap,
            topic(stack, "push.requests.v1"),
            [(rid, jbytes(bypass(rid, name))) for rid, name in sent.items()],
        )
        await eventually(
            lambda: all(dlq.for_key(rid) for rid in sent),
            timeout=60,
            what="a dead letter for every bypass",
        )
        for rid, name in sent.items():
            _, field, why = REFUSED_AT_INTAKE[name]
            [letter] = [s.json() for s in dlq.for_key(rid)]
            assert letter["error"] == "invalid_request"
            assert field in letter["message"] and why in letter["message"], letter
            [rejected] = await eventually(lambda rid=rid: status.for_key(rid), what="rejected")
            reason = rejected.json()["reasons"][0]
            assert rejected.json()["status"] == "rejected"
            assert reason["code"] == "invalid_request" and field in reason["message"]
    finally:
        await dlq.stop()
        await status.stop()


SMS = "【Acme】会员5折起 https://shop.example.com/p/1 回T退订"
"""One UCS-2 segment as written; more than three once its link is a tracked link."""

JUDGED_BY_REVIEW: dict[str, tuple[dict[str, Any], dict[str, str], str, str]] = {
    # content, labels, the reason code and the field review names
    "label holding a blocked term": (
        {},
        {"campaign": "winter", "game": "百家乐"},
        "sensitive_content",
        "labels.game",
    ),
    "label holding an unsafe link": (
        {},
        {"go": "http://192.168.1.1/login"},
        "unsafe_link",
        "labels.go",
    ),
    "term split across labels and text": (
        {"body": "Join our online {{ labels.a }}{{ labels.b }} tonight"},
        {"a": "ca", "b": "sino"},
        "sensitive_content",
        "content.body",
    ),
    "sms pushed over by tracked links": (
        {"variants": {"sms": {"body": SMS}}},
        {},
        "channel_format",
        "content.variants.sms.body",
    ),
}


async def test_review_judges_what_will_be_sent(stack: Stack, uid: str) -> None:
    status = await TopicWatcher(stack.bootstrap, topic(stack, "push.status.v1")).start()
    cases = {f"gate-r-{uid}-{i}": name for i, name in enumerate(sorted(JUDGED_BY_REVIEW))}
    try:
        # a submitter of its own: these rejections are strikes, which must not restrict
        # the submitter other tests submit as
        own = {"department": f"gate-{uid}", "user": f"gate-{uid}"}
        add_key(stack, f"gate-{uid}", "submitter", own["user"], own["department"])
        async with client(stack, "intake", f"gate-{uid}") as http:
            for rid, name in cases.items():
                content, labels, _, _ = JUDGED_BY_REVIEW[name]
                channels = ["sms"] if "variants" in content else ["webhook"]
                body = push_request(rid, ["u-1"], channels=channels, labels=labels, requester=own)
                body["content"] = body["content"] | content  # type: ignore[operator]
                r = await http.post("/v1/requests", json=body)
                assert r.status_code == 202, (name, r.text[:300])
        for rid, name in cases.items():
            _, _, code, field = JUDGED_BY_REVIEW[name]
            final = await eventually(
                lambda rid=rid: [s.json() for s in status.for_key(rid) if _decided(s.json())],
                timeout=60,
                what=f"review's decision on {name}",
            )
            assert final[0]["status"] == "rejected", (name, final[0])
            found = {(r["code"], r["detail"]["field"]) for r in final[0]["reasons"]}
            assert (code, field) in found, (name, found)
    finally:
        await status.stop()


def _decided(status: dict[str, Any]) -> bool:
    return status["status"] in ("rejected", "approved", "pending_review")
