"""Classes of content the dictionaries cover beyond single terms, and the look-alikes
their context rules let through (see docs/review-rules.md)."""

import pytest
from tests.unit.review.builders import push

from herald.review.adapters.dictionaries import Dictionaries
from herald.review.engine.engine import Engine
from herald.review.engine.findings import Finding
from herald.review.policy import Policy

_ENGINE = Engine(Policy(), Dictionaries(Policy(), None).matcher)


def found(body: str, category: str = "notification") -> list[Finding]:
    return _ENGINE.evaluate(push(content={"body": body}, category=category))


def categories(body: str, category: str = "notification") -> set[str]:
    return {f.category for f in found(body, category) if f.rule == "sensitive_terms"}


@pytest.mark.parametrize(
    ("body", "category"),
    [
        ("明天开始全市停水停电一周，消息可靠，请扩散", "rumours"),
        ("某地疫情大暴发，医院已经住满，政府不让报道", "rumours"),
        ("供奉转运金蟾，不转运全额退款", "superstition"),
        ("爸，我手机掉了，这是我新号，急需用钱，先转我五千", "fraud"),
        ("您购买的商品有问题，客服将为您退款，请下载会议软件共享屏幕", "fraud"),
        ("大量出售学生档案和家长电话", "illegal_trade"),
        ("手机号查身份证，微信号查真实姓名", "illegal_trade"),
        ("残疾人别出来丢人现眼", "insults"),
        ("消灭一切异教徒，加入真主的军队", "terrorism"),
        ("再不还钱就打断你的腿", "violence"),
        ("今晚英超，跟我下单稳赢", "gambling"),
        ("诚招推广员，下级玩家流水提成20%，日结", "gambling"),
        ("女主播私房直播，尺度超大，打赏解锁", "pornography"),
        ("周末一起嗨一下？糖果和开心水都备好了", "drugs"),
        ("手把手教你从药片里提纯伪麻黄碱", "drugs"),
        ("您的支付宝账号存在风险，请按照提示操作并安装防护软件", "fraud"),
        ("您的国际快递被扣留，需补缴关税198元，请点击链接完成", "fraud"),
        ("欠债不还？通讯录里每个人都会知道你是老赖", "violence"),
        ("放学别走，几个兄弟在后门堵你", "violence"),
        ("专业讨债，各类欠款上门，价格面议", "violence"),
        ("看到这条不转发的，一个月都倒霉", "superstition"),
        ("下周二将有7级地震，大家做好准备", "rumours"),
        ("这家奶茶店的珍珠吃了会感染病毒，已经多人住院", "rumours"),
        ("小区疫情很严重，物业一直在压消息", "rumours"),
    ],
)
def test_a_class_is_found_in_words_no_single_term_names(body: str, category: str) -> None:
    assert category in categories(body)


@pytest.mark.parametrize(
    "body",
    [
        "家电维修上门服务，空调清洗、热水器安装",
        "周末约吗？一起去爬山，早上七点地铁站集合",
        "【社区通知】本周五上午停水，请提前储水",
        "网传某地发生爆炸，经核实为工厂消防演练",
        "体彩大乐透追加投注，多一元多一份惊喜，理性购彩",
        "新鲜叶子菜，菠菜、生菜、油麦菜，早市直供",
        "二手车出售，证件齐全，可试驾",
        "天冷了，小心你的孩子着凉，注意添衣",
        "谨防冒充客服退款诈骗，任何要求下载屏幕共享软件的都是骗子",
        "诚招家电区域代理，按销售额返佣",
        "国庆机票特价，带你飞一下大理",
        "实验课：从橘子皮中提取果胶",
        "您的账户存在异常登录，如非本人操作请及时修改密码",
        "信用卡本期应还3,000元，还款日为本月20日，请按时还款",
        "我们几个在电影院门口等你，快来",
        "专业保洁，承接各类开荒保洁，价格面议",
        "转发集赞活动：集满20个赞送咖啡一杯",
        "专家：未来几天可能会有余震，请远离危房",
        "断卡行动：不出租、不出借、不出售银行卡",
        "竞猜冠军赢签名球衣，不涉及任何金钱",
        "会员积分可在下单时抵扣，积分商城已上新",
    ],
)
def test_look_alikes_pass(body: str) -> None:
    assert categories(body) == set()


def test_weight_is_a_goal_in_a_meal_plan_and_a_promise_in_a_product() -> None:
    assert "advertising" not in categories("轻食沙拉低卡饱腹，坚持健身，一月瘦八斤", "marketing")
    assert "advertising" not in categories("营养师定制食谱，三个月瘦十斤", "marketing")
    assert "advertising" in categories("减肥胶囊，一月瘦八斤", "marketing")
    assert "advertising" in categories("低卡代餐，不节食也能一月瘦八斤", "marketing")


def test_an_offer_still_disguises_a_warning_outside_an_innocent_phrase() -> None:
    assert "fraud" in categories("警惕诈骗！正规兼职刷单，加微信日结")
    assert "fraud" not in categories("警惕诈骗！正规兼职刷单都是骗局")


def test_a_term_of_two_categories_fires_in_both() -> None:
    assert {"gambling", "advertising"} <= categories("投资临街商铺，稳赚不赔", "marketing")


@pytest.mark.parametrize(
    ("body", "marker"),
    [
        ("本文转载自人民网", "转载"),
        ("好文推荐 RT @herald_news", "rt @"),
        ("来源：新华社", "来源："),
    ],
)
def test_repost_markers_are_found_as_written(body: str, marker: str) -> None:
    [source] = [f for f in found(body) if f.rule == "source"]
    assert source.evidence == marker


def test_a_marker_folded_into_an_english_word_is_no_marker() -> None:
    assert [f for f in found("Winter sale starts tonight") if f.rule == "source"] == []
