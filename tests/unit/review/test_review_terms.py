"""Sensitive terms: categories, evasions, the allow-list, evidence and hot reload."""

from pathlib import Path

import pytest
from tests.unit.review.builders import push

from herald.contracts import ReasonCode
from herald.review.adapters.dictionaries import Dictionaries
from herald.review.engine.engine import Engine
from herald.review.engine.findings import Finding, Severity
from herald.review.policy import Policy

_DEFAULT = Dictionaries(Policy(), None)


def terms_in(body: str, dictionaries: Dictionaries = _DEFAULT) -> list[Finding]:
    engine = Engine(Policy(), dictionaries.matcher)
    found = engine.evaluate(push(content={"body": body}))
    return [f for f in found if f.code == ReasonCode.SENSITIVE_CONTENT]


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("今晚百家乐开局", "gambling"),
        ("Try our online casino", "gambling"),
        ("兼职刷单日结", "fraud"),
        ("同城约炮", "pornography"),
        ("出售冰毒", "drugs"),
        ("代办假身份证", "illegal_trade"),
        ("Buy a gun today", "weapons"),
    ],
)
def test_each_category_is_found(text: str, category: str) -> None:
    assert category in {f.category for f in terms_in(text)}


def test_clean_text_has_no_term_findings() -> None:
    assert terms_in("会员专享 5 折起，点击查看详情。Winter sale starts tonight.") == []


@pytest.mark.parametrize(
    "evasion",
    [
        "ｏｎｌｉｎｅ　ｃａｓｉｎｏ",  # full-width
        "ONLINE Casino",  # case
        "百 家 乐",  # spaces
        "百-家.乐",  # punctuation
        "百*家*乐",  # symbols
        "百\u200b家\u200d乐",  # zero-width characters
        "百家樂",  # traditional
        "網 上 賭 場",  # traditional with spaces
    ],
)
def test_evasions_are_still_found(evasion: str) -> None:
    [finding] = terms_in(f"今晚 {evasion} 开业")
    assert finding.category == "gambling"
    assert finding.evidence == evasion, "evidence quotes the original text"


def test_contract_example_reason_names_the_terms_and_field() -> None:
    [finding] = terms_in("百家乐 与 网上赌场")
    assert finding.message == "matched 2 terms in category gambling"
    assert finding.evidence == "百家乐, 网上赌场"
    assert finding.field == "content.body"
    assert finding.severity == Severity.BLOCK


def test_water_gun_toy_is_not_a_weapon() -> None:
    assert terms_in("儿童玩具水枪夏季特价") == []
    assert terms_in("Nerf gun and water gun sale") == []


def test_warning_against_brushing_scams_is_not_a_brushing_ad() -> None:
    assert terms_in("谨防刷单诈骗：刷单都是诈骗！") == []
    assert terms_in("高薪招聘刷单兼职") != []


def test_english_terms_do_not_fire_inside_words() -> None:
    assert terms_in("The winter sale has begun; something methodical.") == []


def test_english_terms_and_pair_words_take_a_plural_but_not_a_longer_word() -> None:
    assert [f.category for f in terms_in("Unregistered handguns, shipped to you")] == ["weapons"]
    assert [f.category for f in terms_in("Escorts to your hotel room tonight")] == ["pornography"]
    assert terms_in("A better deposit rate for savers, and a new alphabet book") == []


def test_a_bare_word_of_a_severity_is_not_a_term() -> None:
    assert terms_in("Your subscription is on hold. Update your payment method in Settings.") == []


def test_terms_in_email_html_and_variants_are_found() -> None:
    engine = Engine(Policy(), _DEFAULT.matcher)
    request = push(
        channels=["email", "app_push"],
        content={
            "variants": {
                "email": {"html": "<p>Welcome to <b>online</b> casino</p>"},
                "app_push": {"title": "百家乐"},
            }
        },
    )
    fields = {f.field for f in engine.evaluate(request) if f.code == "sensitive_content"}
    assert fields == {"content.variants.email.html", "content.variants.app_push.title"}


def test_operator_dictionary_is_reloaded_without_restart(tmp_path: Path) -> None:
    dictionaries = Dictionaries(Policy(), str(tmp_path))
    assert terms_in("限时抢购神秘盲盒", dictionaries) == []

    (tmp_path / "custom.txt").write_text("神秘盲盒\n", encoding="utf-8")
    assert dictionaries.refresh()
    [finding] = terms_in("限时抢购神秘盲盒", dictionaries)
    assert (finding.category, finding.severity) == ("custom", Severity.HOLD)

    (tmp_path / "custom.txt").write_text("# emptied\n", encoding="utf-8")
    assert dictionaries.refresh()
    assert terms_in("限时抢购神秘盲盒", dictionaries) == []
    assert not dictionaries.refresh(), "nothing changed, nothing rebuilt"


def test_operators_add_categories_override_severity_and_drop_defaults(tmp_path: Path) -> None:
    (tmp_path / "politics.txt").write_text("某敏感话题 | block\n", encoding="utf-8")
    (tmp_path / "gambling.txt").write_text("!老虎机\n", encoding="utf-8")
    (tmp_path / "allow.txt").write_text("百家乐桌布\n", encoding="utf-8")
    dictionaries = Dictionaries(Policy(), str(tmp_path))
    assert [f.category for f in terms_in("关于某敏感话题", dictionaries)] == ["politics"]
    assert terms_in("老虎机", dictionaries) == []
    assert terms_in("百家乐桌布清仓", dictionaries) == []


def test_default_dictionaries_hold_several_hundred_terms() -> None:
    assert _DEFAULT.matcher().size >= 400
