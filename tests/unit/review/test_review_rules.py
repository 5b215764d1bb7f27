"""Links, markup, source attribution, personal data and channel format: each rule's
positive and negative cases, through the engine as a request would meet them."""

from typing import Any

import pytest
from tests.unit.review.builders import push

from herald.contracts import PushRequest
from herald.review.adapters.dictionaries import Dictionaries
from herald.review.engine.engine import Engine
from herald.review.engine.findings import Finding, Severity
from herald.review.engine.rule_format import sms_segments
from herald.review.engine.rule_personal import luhn
from herald.review.policy import LinkPolicy, Policy, SourcePolicy

_DICT = Dictionaries(Policy(), None)


def findings(request: PushRequest, policy: Policy | None = None, code: str = "") -> list[Finding]:
    found = Engine(policy or Policy(), _DICT.matcher).evaluate(request)
    return [f for f in found if not code or f.code == code]


def link_findings(url: str, policy: Policy | None = None) -> list[Finding]:
    return findings(push(content={"url": url}), policy, "unsafe_link")


# links


def test_https_link_passes() -> None:
    assert link_findings("https://shop.example.com/winter") == []


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://shop.example.com/winter", "only https"),
        ("https://203.0.113.7/promo", "raw IP"),
        ("https://[2001:db8::1]/promo", "raw IP"),
        ("javascript:alert(1)", "javascript"),
        ("data:text/html;base64,PHNjcmlwdD4=", "data"),
    ],
)
def test_unsafe_links_are_blocked(url: str, why: str) -> None:
    [finding] = link_findings(url)
    assert finding.severity == Severity.BLOCK
    assert why in finding.message


def test_plain_http_is_allowed_when_https_only_is_off() -> None:
    policy = Policy(links=LinkPolicy(https_only=False))
    assert link_findings("http://shop.example.com", policy) == []


def test_deny_listed_domain_and_its_subdomains_are_blocked() -> None:
    policy = Policy(links=LinkPolicy(deny_domains=("evil.example",)))
    assert link_findings("https://cdn.evil.example/x", policy)[0].severity == Severity.BLOCK
    assert link_findings("https://notevil.example/x", policy) == []


def test_allow_list_blocks_every_other_domain() -> None:
    policy = Policy(links=LinkPolicy(allow_domains=("example.com",)))
    assert link_findings("https://shop.example.com/x", policy) == []
    assert "allow-list" in link_findings("https://other.org/x", policy)[0].message


def test_url_shortener_is_held_for_a_human() -> None:
    [finding] = link_findings("https://bit.ly/3abcd")
    assert finding.severity == Severity.HOLD


def test_links_inside_text_and_html_are_checked_but_emails_are_not_links() -> None:
    request = push(
        channels=["email"],
        content={
            "body": "详情见 http://198.51.100.2/x 或 shop.example.com/a，联系 support@example.com",
            "variants": {"email": {"html": '<a href="http://shop.example.com">go</a>'}},
        },
    )
    found = {(f.field, f.evidence) for f in findings(request, code="unsafe_link")}
    assert found == {
        ("content.body", "http://198.51.100.2/x"),
        ("content.variants.email.html", "http://shop.example.com"),
    }


@pytest.mark.parametrize(
    ("title", "body", "field", "url"),
    [
        ("通知", "领奖请访问 evil。com/prize", "content.body", "evil。com/prize"),
        ("通知", "点这里 JavaScript:alert(1) 领取", "content.body", "JavaScript:alert(1)"),
        ("通知", "内容见 DATA:text/html,hi", "content.body", "DATA:text/html,hi"),
        (
            "通知",
            "下载：HTTP://198.51.100.2:8080/a.apk",
            "content.body",
            "HTTP://198.51.100.2:8080/a.apk",
        ),
        ("见 http:\\\\bad.example/x", "正文", "content.title", "http:\\\\bad.example/x"),
        ("通知", "退款：https://0x7f.1/refund", "content.body", "https://0x7f.1/refund"),
    ],
)
def test_a_link_written_in_any_field_in_any_form_is_judged(
    title: str, body: str, field: str, url: str
) -> None:
    [finding] = findings(push(content={"title": title, "body": body}), code="unsafe_link")
    assert (finding.field, finding.evidence) == (field, url)


def test_media_urls_are_checked() -> None:
    request = push(content={"media": [{"kind": "image", "url": "http://cdn.example.com/a.png"}]})
    [finding] = findings(request, code="unsafe_link")
    assert finding.field == "content.media[0].url"


# markup


def test_script_in_a_plain_text_field_is_blocked() -> None:
    [f] = findings(push(content={"body": "hi <script>alert(1)</script>"}), code="unsafe_markup")
    assert f.severity == Severity.BLOCK


def test_harmless_html_in_a_plain_text_field_is_held() -> None:
    [f] = findings(push(content={"title": "<b>Sale</b>"}), code="unsafe_markup")
    assert f.severity == Severity.HOLD


def test_angle_brackets_that_are_not_markup_pass() -> None:
    assert findings(push(content={"body": "满 5 件 < 10 元，3 > 2"}), code="unsafe_markup") == []


def email(html: str) -> PushRequest:
    return push(channels=["email"], content={"variants": {"email": {"html": html}}})


def test_safe_email_html_passes() -> None:
    html = (
        '<html><body><table width="600" style="color:#333"><tr><td><h1>Sale</h1>'
        '<p class="x">Hi <a href="https://shop.example.com">shop</a></p>'
        '<img src="https://cdn.example.com/a.png" alt="a"></td></tr></table></body></html>'
    )
    assert findings(email(html), code="unsafe_markup") == []


@pytest.mark.parametrize(
    "html",
    [
        "<p>x</p><script>steal()</script>",
        '<img src="https://cdn.example.com/a.png" onerror="steal()">',
        '<a href="javascript:steal()">x</a>',
        '<iframe src="https://evil.example"></iframe>',
        '<p style="background:url(javascript:steal())">x</p>',
        '<form action="https://evil.example"><input name="pw"></form>',
    ],
)
def test_unsafe_email_html_is_blocked(html: str) -> None:
    [f] = findings(email(html), code="unsafe_markup")
    assert f.severity == Severity.BLOCK
    assert f.field == "content.variants.email.html"


def test_a_malformed_declaration_is_read_as_text_and_the_markup_after_it_still_judged() -> None:
    # Python 3.11's html.parser raises on `<![` followed by something not a name
    [f] = findings(email("<p>a <![ b</p><script>steal()</script>"), code="unsafe_markup")
    assert f.severity == Severity.BLOCK
    [f] = findings(
        push(content={"body": "regex <![\\w.$])( then <b onclick=x>hi</b>"}), code="unsafe_markup"
    )
    assert f.severity == Severity.BLOCK
    assert findings(push(content={"body": "a <![ b"}), code="unsafe_markup") == []


def test_unsupported_but_harmless_email_markup_is_only_noted() -> None:
    [f] = findings(email("<blink>old</blink>"), code="unsafe_markup")
    assert f.severity == Severity.NOTE


# source attribution


def test_repost_without_source_is_held() -> None:
    [f] = findings(push(content={"body": "转载自某公众号：冬季养生指南"}), code="missing_source")
    assert (f.severity, f.evidence) == (Severity.HOLD, "转载")


def test_repost_with_source_passes() -> None:
    request = push(content={"body": "转载：冬季养生指南", "source": {"author": "Acme 健康"}})
    assert findings(request, code="missing_source") == []


def test_transactional_repost_needs_no_source() -> None:
    request = push(category="transactional", content={"body": "转载：冬季养生指南"})
    assert findings(request, code="missing_source") == []


def test_tenant_that_requires_source_blocks_any_marketing_without_it() -> None:
    policy = Policy(source=SourcePolicy(required_tenants=("acme",)))
    [f] = findings(push(category="marketing"), policy, "missing_source")
    assert f.severity == Severity.BLOCK
    other = push(category="marketing", tenant="globex")
    assert findings(other, policy, "missing_source") == []


# personal data

_ID_OK = "11010519491231002X"
_ID_BAD = "110105194912310021"


def card(prefix: str = "622202020001234") -> str:
    for check in "0123456789":
        if luhn(prefix + check):
            return prefix + check
    raise AssertionError


def personal(body: str) -> list[Finding]:
    return findings(push(content={"body": body}), code="personal_data")


@pytest.mark.parametrize(
    ("body", "what", "severity"),
    [
        ("请联系 13812345678", "mobile_number", Severity.HOLD),
        ("请联系 +86 138-1234-5678", "mobile_number", Severity.HOLD),
        (f"身份证 {_ID_OK}", "resident_id_number", Severity.BLOCK),
        (f"卡号 {card()}", "bank_card_number", Severity.BLOCK),
        ("write to li.wei@example.com", "email_address", Severity.HOLD),
    ],
)
def test_personal_data_is_found_and_masked(body: str, what: str, severity: Severity) -> None:
    [f] = personal(body)
    assert (f.category, f.severity) == (what, severity)
    assert "*" in f.evidence


@pytest.mark.parametrize(
    "body",
    [
        "订单号 1381234567",  # ten digits: not a mobile
        f"编号 {_ID_BAD}",  # bad checksum: not an ID number
        f"流水号 {card()[:-1]}{(int(card()[-1]) + 1) % 10}",  # fails Luhn
        "客服邮箱 support@example.com",  # a team's mailbox, not a person's
    ],
)
def test_numbers_that_are_not_personal_data_pass(body: str) -> None:
    assert personal(body) == []


# channel format


def sms(body: str, **over: Any) -> PushRequest:
    return push(channels=["sms"], content={"body": body}, **over)


def test_sms_segments_follow_gsm7_and_ucs2() -> None:
    assert sms_segments("a" * 160) == (1, "GSM-7")
    assert sms_segments("a" * 161) == (2, "GSM-7")
    assert sms_segments("中" * 70) == (1, "UCS-2")
    assert sms_segments("中" * 71) == (2, "UCS-2")


def test_signed_short_sms_passes() -> None:
    assert findings(sms("【Acme】您的订单已发货"), code="channel_format") == []


def test_sms_over_the_segment_limit_is_blocked() -> None:
    [f] = findings(sms("【Acme】" + "中" * 300), code="channel_format")
    assert "segments" in f.message


def test_sms_without_signature_is_blocked() -> None:
    [f] = findings(sms("您的订单已发货"), code="channel_format")
    assert "signature" in f.message


def test_marketing_sms_needs_an_opt_out_hint() -> None:
    [f] = findings(sms("【Acme】冬季特卖", category="marketing"), code="channel_format")
    assert "opt out" in f.message
    assert (
        findings(sms("【Acme】冬季特卖 回T退订", category="marketing"), code="channel_format") == []
    )


def test_titles_are_limited_per_channel() -> None:
    long_title = "标" * 60
    [f] = findings(push(content={"title": long_title}), code="channel_format")
    assert "app_push" in f.message
    assert (
        findings(push(channels=["in_app"], content={"title": long_title}), code="channel_format")
        == []
    )


def test_too_many_images_are_blocked() -> None:
    media = [{"kind": "image", "url": f"https://cdn.example.com/{i}.png"} for i in range(10)]
    [f] = findings(push(content={"media": media}), code="channel_format")
    assert "images" in f.message


@pytest.mark.parametrize(("duration", "ok"), [(0.5, False), (1, True), (300, True), (301, False)])
def test_video_lasts_one_to_three_hundred_seconds(duration: float, ok: bool) -> None:
    media = [{"kind": "video", "url": "https://cdn.example.com/v.mp4", "duration_s": duration}]
    found = findings(push(content={"media": media}), code="channel_format")
    assert (found == []) is ok


def test_social_notification_within_wechat_value_limits_passes() -> None:
    ok = push(channels=["social"], category="notification",
              content={"title": "订单已发货", "body": "预计明天送达"})  # fmt: skip
    assert findings(ok, code="channel_format") == []


def test_social_marketing_and_over_long_values_are_blocked() -> None:
    marketing = push(channels=["social", "app_push"], category="marketing",
                     content={"title": "冬季特卖", "body": "会员五折"})  # fmt: skip
    [f] = findings(marketing, code="channel_format")
    assert (f.field, f.severity) == ("category", Severity.BLOCK)
    body = "您的订单已经从上海仓库发出，预计明天下午送达，请注意查收"
    long_body = push(channels=["social"], category="notification",
                     content={"title": "订单已发货", "body": body})  # fmt: skip
    [f] = findings(long_body, code="channel_format")
    assert f.field == "content.body"
    short = {"title": "订单已发货", "body": body, "variants": {"social": {"body": "明天送达"}}}
    with_variant = push(channels=["social"], category="notification", content=short)
    assert findings(with_variant, code="channel_format") == []
