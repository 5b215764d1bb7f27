"""Review judges what will be sent: texts rendered with their labels, each label on its
own, recipient fields as a neutral marker, and SMS segments with links as tracked."""

from typing import Any

from tests.unit.review.builders import push

from herald.contracts import ReasonCode
from herald.review.adapters.dictionaries import Dictionaries
from herald.review.domain.projection import MARKER, project
from herald.review.domain.sent_length import TrackedLinks
from herald.review.engine.engine import Engine
from herald.review.engine.findings import Finding, Severity
from herald.review.judging import Judge
from herald.review.policy import Policy

POLICY = Policy()
LINKS = TrackedLinks("https://t.herald.example.com", "k1")
JUDGE = Judge(Engine(POLICY, Dictionaries(POLICY, None).matcher), LINKS)


def blocks(**request: Any) -> list[tuple[ReasonCode, str]]:
    return [(f.code, f.field) for f in judged(**request) if f.severity == Severity.BLOCK]


def judged(content: dict[str, Any] | None = None, **over: Any) -> list[Finding]:
    return JUDGE.evaluate(push(content=content, **over))


def test_a_label_holding_a_blocked_term_is_caught_as_that_label() -> None:
    found = blocks(labels={"campaign": "winter", "game": "百家乐"})
    assert found == [(ReasonCode.SENSITIVE_CONTENT, "labels.game")]


def test_every_one_of_32_labels_is_read() -> None:
    labels = {f"k{i}": f"value {i}" for i in range(31)} | {"last": "百家乐"}
    assert blocks(labels=labels) == [(ReasonCode.SENSITIVE_CONTENT, "labels.last")]


def test_a_label_holding_an_unsafe_link_is_caught_as_that_label() -> None:
    found = blocks(labels={"go": "http://192.168.1.1/login"})
    assert found == [(ReasonCode.UNSAFE_LINK, "labels.go")]


def test_a_term_built_from_two_labels_and_the_text_is_caught_where_it_renders() -> None:
    body = "Join our online {{ labels.a }}{{ labels.b }} tonight"
    found = blocks(content={"body": body}, labels={"a": "ca", "b": "sino"})
    assert (ReasonCode.SENSITIVE_CONTENT, "content.body") in found


def test_a_variant_is_judged_as_rendered_and_named() -> None:
    variants = {"sms": {"body": "【Acme】{{ labels.x }}家乐 回T退订"}}
    found = blocks(channels=["sms"], content={"variants": variants}, labels={"x": "百"})
    assert found == [(ReasonCode.SENSITIVE_CONTENT, "content.variants.sms.body")]


def test_a_link_a_label_fills_in_is_judged_in_the_text() -> None:
    found = blocks(content={"body": "详情 {{ labels.u }}"}, labels={"u": "http://1.2.3.4/x"})
    assert (ReasonCode.UNSAFE_LINK, "content.body") in found
    assert (ReasonCode.UNSAFE_LINK, "labels.u") in found


def test_recipient_fields_are_read_as_a_marker() -> None:
    rendered = project(
        push(content={"body": "Hi {{ recipient.attributes.name | upper }} ({{ recipient.id }})"})
    )
    assert rendered.request.content.body == f"Hi {MARKER} ({MARKER})"
    assert not [f for f in judged(content={"body": "Hi {{ recipient.id }}"}) if f.severity]


def test_labels_in_html_are_read_escaped_as_they_are_sent() -> None:
    html = "<p>{{ labels.x }}</p>"
    request = push(
        channels=["email"],
        content={"variants": {"email": {"html": html}}},
        labels={"x": "<b>&</b>"},
    )
    variant = project(request).request.content.variants
    assert next(iter(variant.values())).html == "<p>&lt;b&gt;&amp;&lt;/b&gt;</p>"


def test_a_title_is_measured_as_rendered() -> None:
    found = blocks(content={"title": "Sale {{ labels.x }}"}, labels={"x": "y" * 60})
    assert found == [(ReasonCode.CHANNEL_FORMAT, "content.title")]


def test_a_text_that_is_not_a_template_is_refused_by_review_too() -> None:
    # intake refuses these; a request accepted before the placeholder language may not be
    found = blocks(content={"body": "{% if vip %}hi{% endif %}"})
    assert found == [(ReasonCode.INVALID_REQUEST, "content.body")]


def sms_format_findings(body: str) -> list[tuple[str, Severity]]:
    variants = {"sms": {"body": body}}
    found = judged(channels=["sms"], content={"variants": variants})
    return [(f.field, f.severity) for f in found if f.code == ReasonCode.CHANNEL_FORMAT]


def test_an_sms_pushed_over_its_segments_by_tracked_links_is_refused() -> None:
    # one UCS-2 segment as written; its link becomes a 190-character tracked link
    body = "【Acme】会员5折起 https://shop.example.com/p/1 回T退订"
    sent = LINKS.as_sent(body)
    assert len(body) <= 67 < 3 * 67 < len(sent)
    assert sms_format_findings(body) == [("content.variants.sms.body", Severity.BLOCK)]


def test_an_sms_whose_tracked_links_still_fit_passes() -> None:
    body = "【Acme】5折 https://s.example/1 回T退订"
    assert len(LINKS.as_sent(body)) <= 3 * 67
    assert sms_format_findings(body) == []


def test_an_sms_already_too_long_as_written_gets_one_finding() -> None:
    body = "【Acme】" + "冬季特卖" * 60 + " https://shop.example.com/p 回T退订"
    found = [
        f
        for f in judged(channels=["sms"], content={"variants": {"sms": {"body": body}}})
        if f.code == ReasonCode.CHANNEL_FORMAT
    ]
    assert len(found) == 1


def test_bare_domains_are_not_tracked_so_they_add_nothing() -> None:
    body = "【Acme】冬季特卖今晚开始，会员5折起 shop.example.com/winter 回T退订"
    assert LINKS.as_sent(body) == body
