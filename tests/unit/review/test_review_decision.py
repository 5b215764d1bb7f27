"""The decision (block -> rejected, hold -> pending, else approved), policies that send
clean requests to a human, and the strike ladder."""

from tests.unit.review.builders import LI_WEI, envelope, push

from herald.contracts import Category, StatusKind
from herald.contracts.internal import Standing, Submitter
from herald.review.adapters.dictionaries import Dictionaries
from herald.review.domain import decide, escalate, may_decide, standing_for, submitter_of
from herald.review.engine.engine import Engine
from herald.review.policy import HumanReviewRule, Ladder, Policy

_DICT = Dictionaries(Policy(), None)


def decision_for(body: str, policy: Policy | None = None, **over: object) -> StatusKind:
    policy = policy or Policy()
    request = push(content={"body": body}, **over)
    return decide(request, Engine(policy, _DICT.matcher).evaluate(request), policy).state


def test_clean_request_is_approved_without_a_human() -> None:
    assert decision_for("会员专享 5 折起，点击查看详情。") == StatusKind.APPROVED


def test_any_block_rejects_with_every_reason() -> None:
    request = push(content={"body": "百家乐开局 http://198.51.100.2 详见 https://bit.ly/x"})
    policy = Policy()
    decision = decide(request, Engine(policy, _DICT.matcher).evaluate(request), policy)
    assert decision.state == StatusKind.REJECTED
    codes = [r.code for r in decision.reasons]
    assert codes.count("unsafe_link") == 2, "the held shortener is listed too"
    assert "sensitive_content" in codes
    [terms] = [r for r in decision.reasons if r.code == "sensitive_content"]
    assert terms.detail["terms"] == ["百家乐"]
    assert terms.detail["field"] == "content.body"


def test_a_hold_without_blocks_waits_for_a_human() -> None:
    assert decision_for("详见 https://bit.ly/x") == StatusKind.PENDING_REVIEW


def test_policy_sends_large_marketing_to_a_human() -> None:
    policy = Policy(human_review=(HumanReviewRule(category=Category.MARKETING, min_recipients=3),))
    small = {"category": "marketing", "audience": {"recipients": ["a", "b"]}}
    large = {"category": "marketing", "audience": {"recipients": ["a", "b", "c"]}}
    segment = {"category": "marketing", "audience": {"segment": {"tags_all": ["vip"]}}}
    assert decision_for("冬季特卖", policy, **small) == StatusKind.APPROVED
    assert decision_for("冬季特卖", policy, **large) == StatusKind.PENDING_REVIEW
    assert decision_for("冬季特卖", policy, **segment) == StatusKind.PENDING_REVIEW
    assert decision_for("冬季特卖", policy, category="notification") == StatusKind.APPROVED


def test_policy_rule_for_another_tenant_does_not_apply() -> None:
    policy = Policy(human_review=(HumanReviewRule(tenant="globex"),))
    assert decision_for("冬季特卖", policy) == StatusKind.APPROVED


def test_warned_requesters_marketing_goes_to_a_human_but_transactional_does_not() -> None:
    policy = Policy()
    for category, expected in (
        ("marketing", StatusKind.PENDING_REVIEW),
        ("transactional", StatusKind.APPROVED),
    ):
        request = push(category=category)
        decision = decide(request, [], policy, (Standing.WARNED, Standing.GOOD))
        assert decision.state == expected
    assert "warned" in decide(push(), [], policy, (Standing.WARNED,)).why


def test_four_eyes_refuses_the_submitter_under_any_spelling_of_their_name() -> None:
    for spelling in ("li.wei", "Li.Wei", " li.wei ", "ｌｉ.ｗｅｉ", "li.\u200bwei", "LI. WEI"):
        assert not may_decide(spelling, "acme-reviewer-2", LI_WEI), spelling
    assert may_decide("zhang.san", "acme-reviewer", LI_WEI)


def test_four_eyes_refuses_the_key_the_request_came_with_whatever_its_user() -> None:
    admin = Submitter(user="boss", department="operations", credential="acme-admin", via="http")
    assert not may_decide("someone-else", "acme-admin", admin)
    assert may_decide("zhang.san", "acme-reviewer", admin)


def test_four_eyes_on_an_old_envelope_compares_the_body_requester() -> None:
    old = submitter_of(envelope(push()))
    assert (old.user, old.department, old.via) == ("li.wei", "marketing", "body")
    assert not may_decide("Li.Wei", "any-key", old)
    assert may_decide("zhang.san", "", old)


def test_strike_ladder_climbs_with_strikes() -> None:
    ladder = Ladder(warned=1, restricted=3, banned=5)
    assert [standing_for(n, ladder) for n in (0, 1, 2, 3, 4, 5, 9)] == [
        Standing.GOOD,
        Standing.WARNED,
        Standing.WARNED,
        Standing.RESTRICTED,
        Standing.RESTRICTED,
        Standing.BANNED,
        Standing.BANNED,
    ]


def test_standing_never_falls_by_itself() -> None:
    ladder = Ladder()
    assert escalate(Standing.RESTRICTED, 0, ladder) == Standing.RESTRICTED
    assert escalate(Standing.WARNED, 5, ladder) == Standing.BANNED
