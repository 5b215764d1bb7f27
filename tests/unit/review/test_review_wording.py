"""The learned second opinion: plain wording no dictionary names is held for a human
(never blocked) with the model's evidence, and the operators' policy turns it off."""

from tests.unit.review.builders import push

from herald.contracts import PushRequest, StatusKind
from herald.review.adapters.dictionaries import Dictionaries
from herald.review.domain.decisions import decide
from herald.review.engine.engine import Engine
from herald.review.engine.findings import Finding, Severity
from herald.review.policy import Policy, WordingPolicy

_DICT = Dictionaries(Policy(), None)
PARAPHRASE = "加群每天跟着老师买，保证翻倍，亏了全额返还"
"""A plain paraphrase (an investment scam's pitch) in words no dictionary entry names."""
ON = Policy(plain_wording=WordingPolicy(enabled=True))


def findings(request: PushRequest, policy: Policy = ON) -> list[Finding]:
    return Engine(policy, _DICT.matcher).evaluate(request)


def _paraphrase() -> PushRequest:
    return push(content={"title": "通知", "body": PARAPHRASE}, category="notification")


def test_a_plain_paraphrase_no_dictionary_names_is_held_with_the_models_evidence() -> None:
    found = findings(_paraphrase())
    assert not [f for f in found if f.rule == "sensitive_terms"]
    [held] = [f for f in found if f.rule == "plain_wording"]
    assert held.severity is Severity.HOLD
    assert held.field == "content.body"
    assert "plain-wording-lr-v1" in held.evidence and "scored" in held.evidence
    assert held.entries == ("plain-wording-lr-v1",)


def test_the_policy_switch_turns_the_second_opinion_off() -> None:
    assert not [f for f in findings(_paraphrase(), Policy()) if f.rule == "plain_wording"]
    off = Policy(plain_wording=WordingPolicy(enabled=False))
    assert not [f for f in findings(_paraphrase(), off) if f.rule == "plain_wording"]
    strict = Policy(plain_wording=WordingPolicy(threshold=1.0))
    assert not [f for f in findings(_paraphrase(), strict) if f.rule == "plain_wording"]


def test_an_ordinary_push_is_not_held() -> None:
    ordinary = push(content={"title": "通知", "body": "您的快递已到驿站，请凭取件码领取"})
    assert not [f for f in findings(ordinary) if f.rule == "plain_wording"]


def test_texts_a_dictionary_names_keep_only_the_dictionarys_finding() -> None:
    found = findings(push(content={"title": "通知", "body": "百家乐在线开户，首充送彩金"}))
    assert [f for f in found if f.rule == "sensitive_terms"]
    assert not [f for f in found if f.rule == "plain_wording"]


def test_the_held_request_waits_for_a_human_with_the_models_score_as_its_reason() -> None:
    request = _paraphrase()
    decision = decide(request, findings(request), ON)
    assert decision.state is StatusKind.PENDING_REVIEW
    [reason] = [r for r in decision.reasons if r.detail["rule"] == "plain_wording"]
    assert "plain-wording-lr-v1" in reason.detail["evidence"]
    assert "terms" not in reason.detail
