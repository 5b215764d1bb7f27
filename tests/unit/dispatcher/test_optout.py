"""Opt-outs without I/O: tokens, what a marketing message carries, the consent check,
the preference centre's changes, the e-mail headers and the pages."""

from datetime import timedelta
from email import message_from_bytes

from herald.contracts import Category, Channel, ConsentSource
from herald.dispatcher.adapters.postgres import with_opt_outs
from herald.dispatcher.domain.consent import ConsentRow, allowed
from herald.dispatcher.domain.optout_footer import OptOutLinks, for_locale
from herald.dispatcher.domain.optout_tokens import (
    PREFERENCES,
    UNSUBSCRIBE,
    OptOutSigner,
    OptOutToken,
)
from herald.dispatcher.domain.phones import phone_key_of
from herald.dispatcher.domain.rendering import render
from herald.dispatcher.optout import pages
from herald.dispatcher.optout.changes import choices
from herald.dispatcher.providers.aliyun_sms import AliyunSmsProvider
from herald.dispatcher.providers.mail import build
from tests.unit.dispatcher.builders import SIGNER, T0, send

KEYS = OptOutSigner({"o1": b"optout-secret"})
LATER = int((T0 + timedelta(days=30)).timestamp())
LINKS = OptOutLinks(KEYS, "https://h.example", lambda: T0 + timedelta(days=30))


def token(**over: object) -> OptOutToken:
    fields: dict[str, object] = {
        "tenant": "acme", "recipient_id": "u-1", "purpose": UNSUBSCRIBE,
        "category": Category.MARKETING, "channel": Channel.EMAIL, "delivery_id": "d-1",
        "expires_at": LATER,
    }  # fmt: skip
    fields.update(over)
    return OptOutToken(**fields)  # type: ignore[arg-type]


def test_a_token_verifies_as_signed_and_not_once_altered_expired_or_under_another_key() -> None:
    signed = KEYS.sign(token())
    assert KEYS.verify(signed, T0) == token()
    body, kid, mac = signed.split(".")
    assert KEYS.verify(f"{body[:-1]}{'B' if body[-1] != 'B' else 'C'}.{kid}.{mac}", T0) is None
    assert KEYS.verify(f"{body}.{kid}.{mac[::-1]}", T0) is None
    assert KEYS.verify(signed, T0 + timedelta(days=31)) is None
    assert OptOutSigner({"o1": b"another"}).verify(signed, T0) is None
    assert KEYS.verify("", T0) is None
    assert KEYS.verify("a.b.c.d", T0) is None


def test_a_tracking_token_is_not_an_opt_out_token_nor_a_transactional_opt_out() -> None:
    shared = OptOutSigner({"k1": b"secret-one"})  # even under the very same key
    tracking = SIGNER.sign("d-1", "https://shop.example.com", T0 + timedelta(days=1))
    assert shared.verify(tracking, T0) is None
    assert KEYS.verify(KEYS.sign(token(category=Category.TRANSACTIONAL)), T0) is None
    assert KEYS.verify(KEYS.sign(token(purpose="x")), T0) is None


def test_marketing_email_carries_the_one_click_link_and_a_footer_others_nothing() -> None:
    marketing = send(channels=("email",), category="marketing")
    message = LINKS.apply(marketing, render(marketing, Channel.EMAIL))
    assert message.unsubscribe_url is not None
    assert message.unsubscribe_url.startswith("https://h.example/u/")
    found = KEYS.verify(message.unsubscribe_url.rsplit("/", 1)[1], T0)
    assert found == token(channel=Channel.EMAIL)
    assert message.unsubscribe_url in message.body
    assert "https://h.example/p/" in message.body
    assert message.html is not None and "https://h.example/p/" in message.html
    receipt = send(channels=("email",), category="transactional")
    plain = render(receipt, Channel.EMAIL)
    assert LINKS.apply(receipt, plain) == plain


def test_marketing_sms_gets_the_reply_hint_of_its_locale_once() -> None:
    zh = send(category="marketing", locale="zh-CN")
    assert LINKS.apply(zh, render(zh, Channel.SMS)).body.endswith(" 回T退订")
    en = send(category="marketing", locale="en-GB")
    assert LINKS.apply(en, render(en, Channel.SMS)).body.endswith(" Reply STOP to opt out")
    told = send(category="marketing", content={"title": "t", "body": "Sale! 回T退订"})
    assert LINKS.apply(told, render(told, Channel.SMS)).body == "Sale! 回T退订"
    templated = LINKS.apply(zh, render(zh, Channel.SMS), AliyunSmsProvider)
    assert templated.body == render(zh, Channel.SMS).body  # its template says it already
    assert for_locale({"zh-hant": "x", "zh": "y"}, "zh-Hant-TW") == "x"
    assert for_locale({"*": "z"}, None) == "z"


def test_an_opt_out_removes_its_category_and_channel_only() -> None:
    row = ConsentRow(True, {}, blocked=frozenset({("marketing", "sms")}))
    both = ("sms", "email")
    assert allowed(send(channels=both, category="marketing"), row) == (Channel.EMAIL,)
    assert allowed(send(channels=both, category="transactional"), row) == (
        Channel.SMS,
        Channel.EMAIL,
    )
    everywhere = ConsentRow(True, {}, blocked=frozenset({("marketing", "*")}))
    assert allowed(send(channels=both, category="marketing"), everywhere) == ()
    unseen = with_opt_outs({}, {("acme", "u-1"): frozenset({("marketing", "sms")})})
    assert allowed(send(channels=both, category="marketing"), unseen[("acme", "u-1")]) == (
        Channel.EMAIL,
    )


def test_the_preference_centre_changes_only_what_differs() -> None:
    current = frozenset({("marketing", "sms")})
    wanted = frozenset({("marketing", "email")})
    changes = choices("acme", "u-1", current, wanted, (Category.MARKETING,), T0)
    assert [(c.channel, c.allowed, c.source) for c in changes] == [
        (Channel.EMAIL, False, ConsentSource.PREFERENCES),
        (Channel.SMS, True, ConsentSource.PREFERENCES),
    ]
    assert choices("acme", "u-1", current, current, (Category.MARKETING,), T0) == []


def test_list_unsubscribe_is_on_marketing_mail_only_and_never_folded() -> None:
    marketing = send(channels=("email",), category="marketing")
    mail = build(LINKS.apply(marketing, render(marketing, Channel.EMAIL)), "news@acme.example")
    parsed = message_from_bytes(mail.data)
    link = parsed["List-Unsubscribe"]
    assert link.startswith("<https://h.example/u/") and link.endswith(">")
    assert len(link) > 100 and "\n" not in link and "=?" not in link
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    notice = send(channels=("email",), category="notification")
    plain = message_from_bytes(build(render(notice, Channel.EMAIL), "news@acme.example").data)
    assert plain["List-Unsubscribe"] is None


def test_pages_escape_what_they_show_and_carry_no_script() -> None:
    page = pages.confirm("<acme>", Category.MARKETING, Channel.EMAIL)
    assert "&lt;acme&gt;" in page and "<acme>" not in page
    assert "<script" not in page
    prefs = pages.preferences(
        "acme", (Category.MARKETING,), frozenset({("marketing", "sms")}), True
    )
    assert 'name="marketing:sms" value="1" aria' in prefs
    assert 'name="marketing:email" value="1" checked' in prefs
    assert "frame-ancestors 'none'" in pages.HEADERS["Content-Security-Policy"]


def test_a_phone_key_is_the_same_for_one_number_however_written_and_per_tenant() -> None:
    key = phone_key_of(b"sign-me")
    assert key("acme", "+86 138-0013-8000") == key("acme", "13800138000")
    assert key("acme", "13800138000") != key("globex", "13800138000")
    assert key("acme", None) is None
    assert "13800138000" not in (key("acme", "13800138000") or "")


def test_preference_tokens_are_a_purpose_of_their_own() -> None:
    prefs = KEYS.sign(token(purpose=PREFERENCES, channel=None))
    found = KEYS.verify(prefs, T0)
    assert found is not None and found.purpose == PREFERENCES
