"""Variants, placeholders (and nothing else), per-channel caps, sanitised HTML and signed
tracking links."""

import re
from datetime import timedelta

import pytest

from herald.contracts import Channel, ReasonCode
from herald.dispatcher.domain.links import TrackingLinks
from herald.dispatcher.domain.rendering import RenderError, render
from herald.runtime.links import PIXEL_URL
from tests.unit.dispatcher.builders import SIGNER, T0, send

LINKS = TrackingLinks(SIGNER, "https://t.example", lambda: T0 + timedelta(days=30))


def target(link: str) -> str:
    token = link.removeprefix("https://t.example/r/")
    verified = SIGNER.verify(token, T0)
    assert verified is not None
    assert verified.delivery_id == "d-1"
    return verified.url


def test_every_link_in_the_body_and_the_url_becomes_a_verifiable_tracking_link() -> None:
    s = send(
        content={
            "title": "t",
            "body": "See https://shop.example.com/w?a=1, or http://x.example/y.",
            "url": "https://shop.example.com/winter",
        }
    )
    m = render(s, Channel.SMS, LINKS)
    links = re.findall(r"https://t\.example/r/[\w-]+\.[\w-]+\.[\w-]+", m.body)
    assert [target(x) for x in links] == ["https://shop.example.com/w?a=1", "http://x.example/y"]
    assert m.body.endswith(".")
    assert ", or " in m.body
    assert m.url is not None
    assert target(m.url) == "https://shop.example.com/winter"


def test_a_tampered_tracking_token_does_not_verify() -> None:
    m = render(send(), Channel.SMS, LINKS)
    token = re.findall(r"https://t\.example/r/([\w-]+\.[\w-]+\.[\w-]+)", m.body)[0]
    assert SIGNER.verify(token[:-2] + "xx", T0) is None


def test_channel_variant_overrides_title_body_and_adds_subject() -> None:
    content = {
        "title": "t",
        "body": "b",
        "variants": {"email": {"subject": "Hello", "body": "long"}},
    }
    m = render(send(content=content), Channel.EMAIL)
    assert (m.title, m.body, m.subject) == ("t", "long", "Hello")
    assert render(send(content=content), Channel.SMS).body == "b"


def test_personalisation_uses_recipient_fields_and_labels() -> None:
    content = {
        "title": "Hi {{ recipient.id }}",
        "body": "{{ labels.campaign | upper }} for {{ recipient.locale }}",
    }
    m = render(send(content=content, labels={"campaign": "winter"}, locale="zh-CN"), Channel.SMS)
    assert (m.title, m.body) == ("Hi u-1", "WINTER for zh-CN")


def test_recipient_attributes_and_labels_are_filled_in() -> None:
    content = {
        "title": "{{ recipient.attributes.name | title }}",
        "body": "{{ labels.campaign }}: {{ recipient.attributes.city }} ({{ request_id }}, "
        "{{ tenant }}){{ recipient.attributes.missing }}",
    }
    s = send(
        content=content,
        labels={"campaign": "winter"},
        attributes={"name": "li lei", "city": "Hangzhou"},
    )
    m = render(s, Channel.SMS)
    assert (m.title, m.body) == ("Li Lei", "winter: Hangzhou (r-1, acme)")


@pytest.mark.parametrize(
    "template",
    [
        "{% if labels.vip %}VIP {% endif %}{{ recipient.id }}",
        "{# a comment #}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ labels.__class__.__init__.__globals__ }}",
        "{{ cycler.__init__.__globals__.os }}",
        "{% for x in range(10**9) %}{% endfor %}",
        "{{ 'a' * 100000000 }}",
        "{{ labels.a ~ labels.b }}",
        "{{ labels.a[0:3] }}",
        "{{ 'a' | center(999999999) }}",
        "{{ recipient.id | replace('u', 'evil.example/') }}",
        "{{ lipsum(n=100000) }}",
        "{% macro m() %}{% endmacro %}",
        "{{ 9 ** 999999 }}",
        "{{ labels.update({'a': 1}) }}",
        "{{ contacts }}",
        "{{ recipient.email }}",
        "{{ broken",
    ],
)
def test_anything_but_plain_placeholders_fails_the_send(template: str) -> None:
    with pytest.raises(RenderError) as refused:
        render(send(content={"title": "t", "body": template}), Channel.SMS)
    assert refused.value.reason == ReasonCode.INVALID_REQUEST


def test_values_are_escaped_in_html_after_their_filters() -> None:
    html = "<p>{{ recipient.attributes.name | upper }}</p>"
    s = send(
        content={"title": "t", "body": "b", "variants": {"in_app": {"html": html}}},
        attributes={"name": '<img src=x onerror="alert(1)"> & co'},
    )
    m = render(s, Channel.IN_APP)
    assert m.html == '<p>&lt;IMG SRC=X ONERROR="ALERT(1)"&gt; &amp; CO</p>'


def test_a_part_longer_than_its_channel_allows_once_personalised_fails_the_send() -> None:
    s = send(content={"title": "t", "body": "{{ labels.a }}" * 7}, labels={"a": "x" * 256})
    assert render(s, Channel.EMAIL).body == "x" * 1792  # e-mail bodies may be long
    with pytest.raises(RenderError) as refused:
        render(s, Channel.SMS)
    assert refused.value.reason == ReasonCode.CHANNEL_FORMAT
    assert "1600" in str(refused.value)


def test_email_html_is_sanitised_links_tracked_and_the_open_pixel_added() -> None:
    html = '<p onclick="x()">Hi <a href="https://shop.example.com/a">go</a><script>alert(1)</script></p>'
    m = render(
        send(content={"title": "t", "body": "b", "variants": {"email": {"html": html}}}),
        Channel.EMAIL,
        LINKS,
    )
    assert m.html is not None
    assert "<script" not in m.html
    assert "onclick" not in m.html
    href = re.findall(r'href="([^"]+)"', m.html)[0]
    assert target(href) == "https://shop.example.com/a"
    pixel = re.findall(r'src="https://t\.example/o/([^"]+)"', m.html)[0]
    verified = SIGNER.verify(pixel, T0)
    assert verified is not None
    assert verified.url == PIXEL_URL


def test_plain_email_gets_an_html_part_with_escaped_text_and_pixel() -> None:
    m = render(
        send(content={"title": "<b>t</b>", "body": "a < b https://x.example/p"}),
        Channel.EMAIL,
        LINKS,
    )
    assert m.html is not None
    assert "&lt;b&gt;t&lt;/b&gt;" in m.html
    assert "a &lt; b" in m.html
    assert "/o/" in m.html
    assert 'href="https://t.example/r/' in m.html


def test_non_email_channels_get_no_pixel() -> None:
    m = render(
        send(content={"title": "t", "body": "b", "variants": {"in_app": {"html": "<p>x</p>"}}}),
        Channel.IN_APP,
        LINKS,
    )
    assert m.html == "<p>x</p>"
