"""Stored templates in intake, on a fake store: the locale fallback chain, what values
make of a version's texts, and a request naming a template resolved into its content
(or refused with `template.*` field errors)."""

import json
from datetime import timedelta
from typing import Any

import pytest
from tests.unit.intake.template_fakes import AT, FakeTemplateStore

from herald.contracts import PushRequest
from herald.contracts.template_review import TemplateTexts
from herald.intake.domain import Invalid, Limits, body_hash
from herald.intake.templates.domain import State, locale_chain, pick, text_errors
from herald.intake.templates.filling import fill, value_errors
from herald.intake.templates.resolving import Resolver, parse_submission

LIMITS = Limits(262_144, frozenset({"acme", "globex"}), timedelta(minutes=5), AT)

TEXTS = TemplateTexts.model_validate(
    {
        "default": {
            "title": "Hello {{ values.name }}",
            "body": "Your code is {{ values.code | upper }}, {{ recipient.attributes.city }}",
            "url": "https://shop.example.com/p?c={{ values.code }}",
            "variants": {"email": {"html": "<p>Hi {{ values.name }}</p>"}},
        },
        "locales": {
            "zh": {"title": "你好 {{ values.name }}", "body": "验证码 {{ values.code }}"},
            "zh-Hant": {"title": "您好 {{ values.name }}", "body": "驗證碼 {{ values.code }}"},
        },
    }
)


def test_the_locale_chain_drops_one_subtag_at_a_time_then_falls_to_the_default() -> None:
    assert locale_chain("zh-Hant-HK") == ["zh-Hant-HK", "zh-Hant", "zh", "default"]
    assert locale_chain(None) == ["default"]


@pytest.mark.parametrize(
    ("asked", "used", "title"),
    [
        ("zh-Hant-HK", "zh-Hant", "您好 {{ values.name }}"),
        ("zh-hant", "zh-Hant", "您好 {{ values.name }}"),
        ("zh-Hans-CN", "zh", "你好 {{ values.name }}"),
        ("fr-CA", "default", "Hello {{ values.name }}"),
        (None, "default", "Hello {{ values.name }}"),
    ],
)
def test_a_locale_gets_the_nearest_texts_along_its_chain(
    asked: str | None, used: str, title: str
) -> None:
    locale, content = pick(TEXTS, asked)
    assert (locale, content.title) == (used, title)


def test_values_are_put_in_place_escaped_as_each_text_is_read() -> None:
    content = fill(TEXTS.default, {"name": "<Ann & Bo>", "code": "ab 1/2"})
    assert content.title == "Hello <Ann & Bo>"
    assert content.body == "Your code is AB 1/2, {{ recipient.attributes.city }}"
    assert content.url == "https://shop.example.com/p?c=ab%201%2F2"
    assert content.variants["email"].html == "<p>Hi &lt;Ann &amp; Bo&gt;</p>"


def test_missing_unused_and_placeholder_values_are_each_named() -> None:
    errors = value_errors(TEXTS.default, {"name": "{{ tenant }}", "extra": "x"}, "v1")
    found = {(e.field, e.message.split(" ")[0]) for e in errors}
    assert ("template.values.code", "v1") in found  # missing
    assert ("template.values.extra", "v1") in found  # unused
    assert any(e.field == "template.values.name" and "'{{'" in e.message for e in errors)


def test_a_version_whose_placeholder_decides_a_link_host_is_refused() -> None:
    texts = TemplateTexts.model_validate(
        {"default": {"title": "t", "body": "b", "url": "https://{{ values.host }}/x"}}
    )
    [error] = text_errors(texts)
    assert error.field == "texts.default.url"


def _request(template: dict[str, Any], **over: Any) -> bytes:
    body = {
        "request_id": "r-1",
        "tenant": "acme",
        "requester": {"department": "marketing", "user": "li.wei"},
        "goal": "codes",
        "category": "notification",
        "channels": ["webhook"],
        "audience": {"recipients": ["u-1"]},
        "template": template,
    } | over
    return json.dumps(body).encode()


async def _parsed(store: FakeTemplateStore, raw: bytes) -> PushRequest | Invalid:
    return await parse_submission(raw, LIMITS, Resolver(store), "acme")


async def test_the_latest_published_version_is_used_and_recorded() -> None:
    store = FakeTemplateStore()
    store.put("acme", "codes", TEXTS, State.APPROVED)
    store.put("acme", "codes", TEXTS, State.APPROVED)
    store.put("acme", "codes", TEXTS, State.DRAFT)
    values = {"name": "Ann", "code": "x1"}
    parsed = await _parsed(
        store, _request({"name": "codes", "locale": "zh-Hant-HK", "values": values})
    )
    assert isinstance(parsed, PushRequest), parsed
    assert parsed.content.title == "您好 Ann"
    assert parsed.template is not None
    assert (parsed.template.used_version, parsed.template.used_locale) == (2, "zh-Hant")


async def test_a_resubmission_hashes_the_same_after_a_newer_version_is_published() -> None:
    store = FakeTemplateStore()
    store.put("acme", "codes", TEXTS, State.APPROVED)
    raw = _request({"name": "codes", "values": {"name": "Ann", "code": "x1"}})
    first = await _parsed(store, raw)
    store.put("acme", "codes", TEXTS, State.APPROVED)
    again = await _parsed(store, raw)
    assert isinstance(first, PushRequest) and isinstance(again, PushRequest)
    assert again.template and again.template.used_version == 2
    assert body_hash(first) == body_hash(again)


@pytest.mark.parametrize(
    ("state", "template", "field", "why"),
    [
        (State.DRAFT, {"name": "codes", "version": 1}, "template.version", "is draft"),
        (State.REJECTED, {"name": "codes", "version": 1}, "template.version", "is rejected"),
        (State.IN_REVIEW, {"name": "codes"}, "template.version", "no published version"),
        (State.APPROVED, {"name": "nope"}, "template.name", "no such template"),
        (State.APPROVED, {"name": "codes", "version": 9}, "template.version", "no such version"),
        (
            State.APPROVED,
            {"name": "codes", "values": {"name": "x"}},
            "template.values.code",
            "needs",
        ),
    ],
)
async def test_what_cannot_be_used_is_refused_with_its_field(
    state: State, template: dict[str, Any], field: str, why: str
) -> None:
    store = FakeTemplateStore()
    store.put("acme", "codes", TEXTS, state)
    parsed = await _parsed(store, _request({"values": {"name": "a", "code": "b"}} | template))
    assert isinstance(parsed, Invalid)
    assert any(e.field == field and why in e.message for e in parsed.errors), parsed.errors


async def test_content_and_template_together_are_refused() -> None:
    store = FakeTemplateStore()
    raw = _request({"name": "codes"}, content={"title": "t", "body": "b"})
    parsed = await _parsed(store, raw)
    assert isinstance(parsed, Invalid) and parsed.errors[0].field == "content"


async def test_another_tenants_template_is_never_looked_up() -> None:
    store = FakeTemplateStore()
    store.put("globex", "codes", TEXTS, State.APPROVED)
    raw = _request({"name": "codes", "values": {"name": "a", "code": "b"}}, tenant="globex")
    parsed = await _parsed(store, raw)  # the caller is acme's
    assert isinstance(parsed, Invalid)
    assert any(e.field == "content" for e in parsed.errors)


async def test_a_null_template_is_a_request_without_one() -> None:
    raw = _request(None, content={"title": "t", "body": "b"})  # type: ignore[arg-type]
    parsed = await _parsed(FakeTemplateStore(), raw)
    assert isinstance(parsed, PushRequest) and parsed.template is None
