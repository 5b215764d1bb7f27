"""Evasions people really use, context rules, pair rules, and what the evidence names."""

import pytest
from tests.unit.review.builders import push

from herald.contracts import ReasonCode
from herald.review.adapters.dictionaries import Dictionaries
from herald.review.engine.engine import Engine
from herald.review.engine.findings import Finding, Severity
from herald.review.policy import Policy

_DICT = Dictionaries(Policy(), None)


def terms(body: str, category: str = "marketing") -> list[Finding]:
    found = Engine(Policy(), _DICT.matcher).evaluate(
        push(content={"body": body}, category=category)
    )
    return [f for f in found if f.code == ReasonCode.SENSITIVE_CONTENT]


def categories(body: str, category: str = "marketing") -> set[str]:
    return {f.category for f in terms(body, category)}


@pytest.mark.parametrize(
    ("body", "category", "how"),
    [
        ("baijiale真人在线", "gambling", "百家乐 (pinyin)"),
        ("bai家乐真人在线", "gambling", "百家乐 (mixed)"),
        ("du博网站，日赚千元", "gambling", "赌博网站 (mixed)"),
        ("最火bjl平台上线", "gambling", "百家乐 (initials)"),
        ("百佳乐平台上线", "gambling", "百家乐 (homophone)"),
        ("代开发漂，正规可查", "illegal_trade", "代开发票 (homophone)"),
        ("Сasinо online 真人荷官", "gambling", "casino"),
        ("网 上 赌 博 平台", "gambling", "网上赌博"),
        ("约💋炮软件", "pornography", "约炮"),
        ("百/家/乐 真人发牌", "gambling", "百家乐"),
        ("6合彩资料大全", "gambling", "六合彩"),
        ("陆合彩开奖直播", "gambling", "六合彩"),
        ("百家樂線上娛樂城", "gambling", "百家乐"),
        ("ｂａｉｊｉａｌｅ", "gambling", "百家乐 (pinyin)"),
        ("六盒彩资料大全", "gambling", "六合彩 (homophone)"),
        ("6盒彩今晚开奖", "gambling", "六合彩 (homophone)"),
        ("ВЕТ365 体育 注册即送", "gambling", "bet365"),
        ("ЅВ 客服", "insults", "sb"),
    ],
)
def test_evasions_match_and_name_the_entry_they_evade(body: str, category: str, how: str) -> None:
    found = [f for f in terms(body) if f.category == category]
    assert found, f"{body} not flagged as {category}"
    assert how in found[0].entries


def test_evidence_quotes_the_evasion_as_written() -> None:
    [finding] = [f for f in terms("百 家 樂 开局") if f.category == "gambling"]
    assert finding.evidence == "百 家 樂"
    assert finding.entries == ("百家乐",)


def test_homophones_that_are_ordinary_words_are_not_hits() -> None:
    assert categories("国家机关工作人员请注意") == set()
    assert categories("流感病毒高发季，注意勤洗手", "notification") == set()


def test_initials_inside_english_are_not_hits() -> None:
    assert categories("The SSC results are out", "notification") == set()


@pytest.mark.parametrize(
    "body",
    [
        "Winter sale starts tonight 冬季特卖 bjl平台 Your parcel is on its way 欢迎",
        "欢迎 Your parcel is on its way 新bjl平台 Winter sale starts tonight",
    ],
)
def test_initials_beside_chinese_are_hits_among_english_sentences(body: str) -> None:
    assert [e for f in terms(body) for e in f.entries] == ["百家乐 (initials)"]


@pytest.mark.parametrize(
    "body",
    [
        "反诈提醒：凡是要求刷单返利的都是诈骗，请勿轻信",
        "6月26日国际禁毒日，冰毒、海洛因危害极大，珍爱生命，远离毒品",
        "警方破获一起网络赌博案，抓获犯罪嫌疑人15名",
        "用法用量：曲马多口服，请遵医嘱",
        "射击游戏新赛季开启，全新枪械皮肤上线",
    ],
)
def test_context_explains_innocent_mentions(body: str) -> None:
    assert categories(body, "notification") == set()


@pytest.mark.parametrize(
    ("body", "category"),
    [
        ("警惕！最新百家乐平台，注册送88元", "gambling"),
        ("禁毒宣传之外，冰毒现货包邮，私聊", "drugs"),
        ("曲马多无需处方直接卖，私聊", "drugs"),
        ("说明书上写着：冰毒", "drugs"),
        ("您涉嫌洗钱，请配合警方调查，将资金转到安全账户", "fraud"),
    ],
)
def test_a_context_cue_does_not_clear_an_offer(body: str, category: str) -> None:
    assert category in categories(body, "notification")


@pytest.mark.parametrize(
    "body", ["出售实名认证的支付宝账号", "银行卡高价回收，当天结算", "出租微信号，实名认证"]
)
def test_pair_rules_find_a_trade_verb_near_a_thing_in_either_order(body: str) -> None:
    [finding] = [f for f in terms(body) if f.category == "illegal_trade"]
    assert any("pair" in e for e in finding.entries)


def test_a_thing_inside_an_allowed_phrase_is_no_thing() -> None:
    assert categories("儿童水枪现货包邮") == set()


def test_advertising_absolutes_note_marketing_only() -> None:
    [finding] = terms("全网最低价，国家级品质")
    assert (finding.category, finding.severity) == ("advertising", Severity.NOTE)
    assert categories("今天最高气温35度，国家级气象台发布", "alert") == set()


def test_threats_block_and_violent_news_waits_for_a_human() -> None:
    assert {f.severity for f in terms("再敢报警就砍死你全家", "notification")} == {Severity.BLOCK}
    [news] = terms("血腥暴力画面引发关注", "notification")
    assert news.severity == Severity.HOLD


def test_a_threat_stays_a_threat_beside_a_police_word() -> None:
    assert {f.severity for f in terms("再敢报警就砍死你全家", "notification")} == {Severity.BLOCK}
    assert categories("游戏里我杀了他三次，哈哈", "notification") == set()
