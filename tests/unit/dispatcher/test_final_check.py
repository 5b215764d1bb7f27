"""The last check before a provider sees a message: links (tracked ones by the link they
wrap), lengths and SMS segments, judged on the final text; a message that fails ends
`failed` with a reason and is never sent."""

from dataclasses import replace
from pathlib import Path
from typing import Any

from herald.contracts import Channel
from herald.dispatcher.adapters.review_rules import load_rules
from herald.dispatcher.domain.final_check import FinalCheck, SendRules
from herald.dispatcher.domain.rendering import render_tracked
from herald.policy import LinkPolicy
from tests.unit.dispatcher.builders import send
from tests.unit.dispatcher.fakes import ScriptedProvider
from tests.unit.dispatcher.harness import Harness


async def dispatched(
    channel: str = "sms", rules: SendRules | None = None, **over: Any
) -> tuple[dict[str, Any], ScriptedProvider]:
    provider = ScriptedProvider("gw")
    h = Harness({channel: [provider]}, rules=rules)
    await h.dispatcher.dispatch([send(channels=(channel,), **over)])
    [o] = h.outcomes()
    return o, provider


async def test_an_ordinary_message_passes_and_is_sent() -> None:
    o, sms = await dispatched(
        content={"title": "Sale", "body": "Hi {{ recipient.id }}: https://shop.example.com/w"}
    )
    assert o["outcome"] == "sent"
    assert len(sms.sent) == 1


async def test_a_label_that_renders_a_blocked_link_fails_and_nothing_is_sent() -> None:
    o, sms = await dispatched(
        content={"title": "Sale", "body": "Log in at {{ labels.where }}"},
        labels={"where": "https://203.0.113.9/login"},
    )
    assert (o["outcome"], o["reason"]) == ("failed", "unsafe_link")
    assert "203.0.113.9" in o["detail"]
    assert sms.sent == []


async def test_a_tracked_link_is_judged_by_the_link_it_wraps() -> None:
    body = "See https://shop.example.com/{{ recipient.attributes.path }}"
    o, sms = await dispatched(
        content={"title": "Sale", "body": body},
        attributes={"path": "go?url=https://203.0.113.9/x"},
    )
    assert (o["outcome"], o["reason"]) == ("failed", "unsafe_link")
    assert sms.sent == []


async def test_a_tracked_link_herald_did_not_sign_fails() -> None:
    o, sms = await dispatched(
        content={"title": "Sale", "body": "See {{ recipient.attributes.link }}"},
        attributes={"link": "https://t.example/r/eyJkIjoiZCJ9.k1.forged"},
    )
    assert (o["outcome"], o["reason"]) == ("failed", "unsafe_link")
    assert "does not verify" in o["detail"]
    assert sms.sent == []


async def test_a_held_link_passes_only_where_review_saw_its_host() -> None:
    shortened = "Details: https://bit.ly/{{ recipient.attributes.code }}"
    o, sms = await dispatched(content={"title": "t", "body": shortened}, attributes={"code": "a1"})
    assert o["outcome"] == "sent"  # review held bit.ly for a human, who let it through
    o, sms = await dispatched(
        content={"title": "t", "body": "Details: {{ recipient.attributes.link }}"},
        attributes={"link": "https://bit.ly/a1"},
    )
    assert (o["outcome"], o["reason"]) == ("failed", "unsafe_link")
    assert "shortener" in o["detail"]
    assert sms.sent == []


async def test_a_recipient_value_cannot_turn_a_reviewed_link_into_a_redirect() -> None:
    body = "See https://shop.example.com/go?{{ recipient.attributes.q }}"
    o, sms = await dispatched(
        content={"title": "t", "body": body}, attributes={"q": "url=https://bit.ly/x"}
    )
    assert (o["outcome"], o["reason"]) == ("failed", "unsafe_link")
    assert "forwards" in o["detail"]
    assert sms.sent == []


async def test_an_sms_that_tracked_links_push_past_its_segments_fails() -> None:
    body = "x" * 380 + " https://shop.example.com/a https://shop.example.com/b"
    assert len(body) <= 3 * 153  # three segments as written
    o, sms = await dispatched(content={"title": "t", "body": body})
    assert (o["outcome"], o["reason"]) == ("failed", "channel_format")
    assert "segments" in o["detail"]
    assert sms.sent == []
    o, sms = await dispatched(
        content={"title": "t", "body": body}, rules=SendRules(sms_max_segments=8)
    )
    assert o["outcome"] == "sent"


async def test_a_title_longer_than_review_allows_once_personalised_fails() -> None:
    o, push = await dispatched(
        "app_push",
        content={"title": "Hello {{ recipient.attributes.name }}", "body": "b"},
        attributes={"name": "n" * 60},
    )
    assert (o["outcome"], o["reason"]) == ("failed", "channel_format")
    assert "50" in o["detail"]
    assert push.sent == []


async def test_links_in_html_are_judged_with_the_configured_policy() -> None:
    html = "<p>Hi {{ recipient.attributes.name }}</p>"
    rules = SendRules(links=LinkPolicy(deny_domains=("evil.example",)))
    o, mail = await dispatched(
        "email",
        rules,
        content={"title": "t", "body": "b", "variants": {"email": {"html": html}}},
        attributes={"name": "see evil.example/login"},
    )
    assert (o["outcome"], o["reason"]) == ("failed", "unsafe_link")
    assert "deny-list" in o["detail"]
    assert mail.sent == []


def test_the_dispatcher_reads_the_link_format_and_sms_sections_of_reviews_policy(
    tmp_path: Path,
) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(
        "budget_ms = 100\n[links]\ndeny_domains = ['evil.example']\nhttps_only = false\n"
        "[sms]\nmax_segments = 2\nrequire_signature = false\n"
        "[format]\nmax_images = 3\n[format.title_max]\napp_push = 30\n"
    )
    rules = load_rules(str(path))
    assert rules.links.deny_domains == ("evil.example",)
    assert rules.links.https_only is False
    assert rules.sms_max_segments == 2
    assert rules.title_max == {Channel.APP_PUSH: 30}
    assert load_rules(None) == SendRules()


def test_herald_s_own_opt_out_links_pass_and_only_under_its_own_base() -> None:
    """The opt-out footer's links are Herald's (a development base is plain http on a raw
    IP); the same link on any other base is judged as content."""
    s = send(content={"title": "Sale", "body": "Hi"})
    message, wrapped = render_tracked(s, Channel.SMS)
    own = "http://127.0.0.1:8004"
    footer = replace(message, body=f"Hi. Opt out: {own}/u/abc.def")
    check = FinalCheck(own=(own,))
    assert check.problem(s, footer, wrapped) is None
    assert FinalCheck().problem(s, footer, wrapped) is not None
    elsewhere = replace(message, body="Hi. Opt out: http://127.0.0.9:8004/u/abc.def")
    found = check.problem(s, elsewhere, wrapped)
    assert found is not None and found.reason == "unsafe_link"
