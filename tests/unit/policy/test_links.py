"""herald.policy: links as a reader's browser would follow them, and SMS segments."""

import pytest

from herald.policy import LinkPolicy, check_url, sms_segments, urls_in

POLICY = LinkPolicy()


def kinds(url: str, policy: LinkPolicy = POLICY) -> set[str]:
    return {f.kind for f in check_url(url, policy)}


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/x",
        "https://2130706433/x",  # decimal
        "https://0x7f000001/x",  # hex
        "https://0177.0.0.1/x",  # octal
        "https://127.1/x",  # shortened
        "https://0x7f.1/x",  # mixed
        "https://[2001:db8::1]/x",
        "https://[::ffff:127.0.0.1]/x",  # IPv4-mapped
        "https://[::ffff:192.168.0.1]:8443/panel",
        "https://%31%32%37.0.0.1/x",  # percent-encoded
    ],
)
def test_every_spelling_of_an_ip_address_is_a_raw_ip(url: str) -> None:
    assert "ip_host" in kinds(url)


def test_ip_findings_name_the_address_it_really_is() -> None:
    [finding] = [f for f in check_url("https://0x7f.1/", POLICY) if f.kind == "ip_host"]
    assert "127.0.0.1" in finding.message
    assert finding.severity == "block"


@pytest.mark.parametrize(
    "url",
    ["https://bank.com@evil.example/login", "https://taobao.com:login@phish.example/pay"],
)
def test_text_before_an_at_sign_cannot_pose_as_the_host(url: str) -> None:
    assert "userinfo" in kinds(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://аpple.com/id",  # Cyrillic а among Latin letters
        "https://аррӏе.com/id",  # wholly Cyrillic letters that imitate Latin ones
        "https://xn--pple-43d.com/",  # the same in punycode
    ],
)
def test_look_alike_domains_are_blocked(url: str) -> None:
    found = check_url(url, POLICY)
    assert [f.severity for f in found if f.kind == "look_alike_domain"] == ["block"]


def test_a_host_wearing_a_well_known_domain_it_is_not_on_is_a_look_alike() -> None:
    assert "look_alike_domain" in kinds("https://www.icbc.com.cn.secure-verify.example/login")
    assert kinds("https://www.icbc.com.cn/login") == set()
    assert kinds("https://mybank.icbc.com.cn/") == set()


@pytest.mark.parametrize(
    "url",
    [
        "https://paypaI.com/verify",
        "https://rnicrosoft.com/",
        "https://www.g00gle.com/",
        "https://app1e.com",
    ],
)
def test_a_well_known_domain_misspelt_in_plain_ascii_is_a_look_alike(url: str) -> None:
    assert "look_alike_domain" in kinds(url)


def test_well_known_domains_themselves_are_not_misspellings() -> None:
    for url in ("https://www.paypal.com/x", "https://mail.qq.com/", "https://www.alipay.com/"):
        assert kinds(url) == set()


def test_domains_in_chinese_pass_and_other_scripts_wait_for_a_human() -> None:
    assert kinds("https://例子.中国/") == set()
    assert kinds("https://xn--80aswg.xn--p1ai/login") == {"foreign_script_domain"}


def test_a_host_written_with_an_ideographic_full_stop_is_disguised() -> None:
    assert "disguised_host" in kinds("evil。com")


@pytest.mark.parametrize(
    "url",
    [
        "https://www.google.com/url?q=https://evil.example/x",
        "https://link.zhihu.com/?target=https://lottery.example/win",
        "https://shop.example.com/go?url=https://evil.example/a",
    ],
)
def test_links_that_forward_elsewhere_are_held(url: str) -> None:
    found = check_url(url, POLICY)
    assert any(f.kind == "redirector" and f.severity == "hold" for f in found)


def test_the_target_of_a_redirect_is_checked_too() -> None:
    assert "ip_host" in kinds("https://shop.example.com/go?next=https://203.0.113.9/a")


def test_shorteners_deny_and_allow_lists() -> None:
    assert kinds("https://bit.ly/3xYz") == {"shortener"}
    denied = LinkPolicy(deny_domains=("evil.example",))
    assert kinds("https://a.evil.example/", denied) == {"denied_domain"}
    allowed = LinkPolicy(allow_domains=("example.com",))
    assert kinds("https://shop.example.com/", allowed) == set()
    assert kinds("https://other.example/", allowed) == {"not_allowed_domain"}


def test_schemes() -> None:
    assert kinds("javascript:alert(1)") == {"script_url"}
    assert kinds("http://shop.example.com/") == {"plain_http"}
    assert kinds("http://shop.example.com/", LinkPolicy(https_only=False)) == set()
    assert kinds("mailto:support@example.com") == set()
    assert kinds("ftp://files.example.com/") == {"scheme"}


def test_urls_are_found_in_chinese_text_and_emails_are_not_links() -> None:
    text = (
        "访问shop.example.com/winter了解，或 https://t.cn/x，邮件 li.wei@example.com，"
        "后台 192.168.1.10:8080/pay，版本 1.2.3.4，时间 22:00, e.g. now"
    )
    assert urls_in(text) == [
        "shop.example.com/winter了解",
        "https://t.cn/x",
        "192.168.1.10:8080/pay",
    ]


def test_script_urls_without_slashes_are_found() -> None:
    assert urls_in("立即更新 javascript:alert(document.cookie)") == [
        "javascript:alert(document.cookie)"
    ]


def test_sms_segments_follow_gsm7_and_ucs2() -> None:
    assert (sms_segments("a" * 160).count, sms_segments("a" * 160).encoding) == (1, "GSM-7")
    assert sms_segments("a" * 161).count == 2
    assert sms_segments("€" * 80).units == 160
    assert (sms_segments("中" * 70).count, sms_segments("中" * 71).count) == (1, 2)
    assert sms_segments("中" * 134).count == 2
    assert sms_segments("中" * 135).count == 3
