"""Intake refuses personalisation a reviewer could not see through: expressions, blocks,
unknown labels, placeholders deciding where a link leads, texts that could render
past their channel's ceiling. Each refusal names the field, and template errors the
character and why."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from herald.contracts import FieldError
from herald.intake.domain import Invalid, Limits, parse_request

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
LIMITS = Limits(1_000_000, frozenset({"acme"}), timedelta(minutes=5), NOW)


def push(content: dict[str, Any] | None = None, **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "request_id": "r-1",
        "tenant": "acme",
        "requester": {"department": "marketing", "user": "li.wei"},
        "goal": "g",
        "category": "marketing",
        "channels": ["app_push", "sms", "email"],
        "content": {"title": "Winter sale", "body": "Up to 50% off", **(content or {})},
        "audience": {"all": True},
        "labels": {"campaign": "winter", "a": "b", "b": "et365"},
    }
    body.update(over)
    return body


def errors(body: dict[str, Any]) -> list[FieldError]:
    parsed = parse_request(json.dumps(body).encode(), LIMITS)
    assert isinstance(parsed, Invalid), "the request was accepted"
    return parsed.errors


def only_error(body: dict[str, Any]) -> FieldError:
    found = errors(body)
    assert len(found) == 1, found
    return found[0]


def test_placeholders_of_declared_fields_are_accepted() -> None:
    body = push(
        {
            "title": "Hi {{ recipient.attributes.first_name | trim | title }}",
            "body": "{{ labels.campaign | upper }} for {{ recipient.id }} ({{ recipient.locale }})",
            "url": "https://shop.example.com/u/{{ recipient.id }}?c={{ labels.campaign }}#top",
            "variants": {"email": {"html": '<a href="/p/{{ recipient.id }}">{{ tenant }}</a>'}},
        }
    )
    assert not isinstance(parse_request(json.dumps(body).encode(), LIMITS), Invalid)


@pytest.mark.parametrize(
    ("field", "text", "offset", "why"),
    [
        ("content.body", "Try {{ 'b' ~ 'et365' }} now", 4, "not a field"),
        ("content.body", "{{ labels.a ~ labels.b }}", 0, "not a field"),
        ("content.title", "{{ labels.campaign.replace('w', 'b') }}", 0, "not a field"),
        ("content.title", "{{ labels.campaign[0:3] }}", 0, "not a field"),
        ("content.body", "{{ labels.campaign | replace('w', 'b') }}", 0, "unknown filter"),
        ("content.variants.sms.body", "ok {% if true %}bet365{% endif %}", 3, "blocks"),
        ("content.variants.email.html", "<p>{# hidden #}</p>", 3, "comments"),
        ("content.variants.email.subject", "{{ labels.campaign ", 0, "not closed"),
    ],
)
def test_anything_but_a_placeholder_is_refused_with_its_field_and_offset(
    field: str, text: str, offset: int, why: str
) -> None:
    parts = field.split(".")
    content: dict[str, Any] = (
        {"variants": {parts[2]: {parts[3]: text}}} if parts[1] == "variants" else {parts[1]: text}
    )
    error = only_error(push(content))
    assert error.field == field
    assert f"at character {offset}:" in error.message and why in error.message


def test_a_label_placeholder_names_a_label_the_request_carries() -> None:
    error = only_error(push({"body": "{{ labels.campaign }} {{ labels.coupon }}"}))
    assert error.field == "content.body"
    assert "labels.coupon" in error.message and "does not carry" in error.message


def test_values_are_refused_until_a_request_can_supply_them() -> None:
    error = only_error(push({"body": "{{ values.price }}"}))
    assert error.field == "content.body" and "values.price" in error.message


@pytest.mark.parametrize(
    ("field", "content"),
    [
        ("content.url", {"url": "https://{{ recipient.id }}.example.com/x"}),
        ("content.url", {"url": "{{ labels.campaign }}://shop.example.com/"}),
        ("content.url", {"url": "https://shop.example.com{{ recipient.id }}/x"}),
        ("content.url", {"url": "https://{{ recipient.id }}@shop.example.com/x"}),
        ("content.url", {"url": "{{ labels.campaign }}"}),
        ("content.body", {"body": "go to https://{{ recipient.attributes.host }}/sale"}),
        ("content.body", {"body": "go to {{ labels.campaign }}.example.com/sale"}),
        ("content.variants.sms.body", {"variants": {"sms": {"body": "{{ labels.a }}evil.cn/x"}}}),
        (
            "content.variants.email.html",
            {"variants": {"email": {"html": '<a href="{{ recipient.attributes.link }}">x</a>'}}},
        ),
        (
            "content.variants.email.html",
            {"variants": {"email": {"html": '<img src="//{{ recipient.id }}/p.png">'}}},
        ),
        (  # after a malformed declaration, which the parser cannot read
            "content.variants.email.html",
            {
                "variants": {
                    "email": {"html": '<p>a <![ b</p><a href="//{{ recipient.id }}/">x</a>'}
                }
            },
        ),
        ("content.media[0].url", {"media": [{"kind": "image", "url": "https://{{tenant}}.cn/"}]}),
    ],
)
def test_a_placeholder_never_decides_where_a_link_leads(
    field: str, content: dict[str, Any]
) -> None:
    found = [e for e in errors(push(content)) if e.field == field]
    assert found, f"no error on {field}"
    assert any("where a link leads" in e.message or "not a field" in e.message for e in found)


def test_placeholders_in_a_links_path_query_or_fragment_are_fine() -> None:
    body = push(
        {
            "body": "https://shop.example.com/{{ recipient.id }}?x={{ labels.a }}#{{ tenant }}",
            "variants": {"sms": {"body": "【Acme】shop.example.com/{{ recipient.id }} 回T退订"}},
        }
    )
    assert not isinstance(parse_request(json.dumps(body).encode(), LIMITS), Invalid)


def test_a_template_that_could_render_past_its_channels_ceiling_is_refused() -> None:
    # 100 attributes of up to 64 characters: 6,400 characters from a 2,900-character body
    body = "{{ recipient.attributes.x }}" * 100
    error = only_error(push({"body": body}, channels=["sms"]))
    assert error.field == "content.body"
    assert "may render to 6400 characters" in error.message and "sms" in error.message


def test_label_values_count_as_given_and_filters_at_their_worst() -> None:
    title = "{{ labels.long }}"
    labels = {"long": "x" * 201}
    error = only_error(push({"title": title}, labels=labels))
    assert error.field == "content.title" and "201 characters" in error.message
    # upper may triple a character (ﬃ -> FFI): 9 + 3 * 64 > 200
    error = only_error(push({"title": "Sale for {{ recipient.attributes.n | upper }}"}))
    assert "201 characters" in error.message


def test_a_megabyte_template_is_refused_long_before_it_renders() -> None:
    labels = {f"k{i}": "x" * 256 for i in range(32)}
    html = "".join(f"{{{{ labels.k{i} }}}}" for i in range(32)) * 300
    error = only_error(
        push({"variants": {"in_app": {"html": html}}}, labels=labels, channels=["in_app"])
    )
    assert error.field == "content.variants.in_app.html"
    assert "may render to 2457600 characters" in error.message


@pytest.mark.parametrize(
    ("labels", "field"),
    [
        ({f"k{i}": "v" for i in range(33)}, "labels"),
        ({"campaign": "x" * 257}, "labels.campaign"),
        ({"no spaces": "x"}, "labels.no spaces.[key]"),
    ],
)
def test_labels_are_bounded(labels: dict[str, str], field: str) -> None:
    assert only_error(push(labels=labels)).field == field
