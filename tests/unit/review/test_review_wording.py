"""The learned second opinion: plain wording no dictionary names is held for a human
(never blocked) with the model's evidence, and the operators' policy turns it off."""

from tests.unit.review.builders import push

from herald.contracts import PushRequest, StatusKind
from herald.review.adapters.dictionaries import Dictionaries
from herald.review.domain.decisions import decide
from herald.review.engine.engine import Engine
from herald.review.engine.findings import Finding, Severity
from herald.review.engine.wording_model import shipped
from herald.review.policy import Policy, WordingPolicy

_DICT = Dictionaries(Policy(), None)
PARAPHRASE = "加群每天跟着老师买，保证翻倍，亏了全额返还"
"""A plain paraphrase (an investment scam's pitch) in words no dictionary entry names."""
ON = Policy(plain_wording=WordingPolicy(enabled=True))
"""The second opinion turned on (it is off by default: its cost, docs/review-rules.md)."""
MODEL = shipped().name


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
    assert MODEL in held.evidence and "scored" in held.evidence
    assert held.entries == (MODEL,)


def test_the_policy_switch_turns_the_second_opinion_off() -> None:
    off = Policy(plain_wording=WordingPolicy(enabled=False))
    assert not [f for f in findings(_paraphrase(), off) if f.rule == "plain_wording"]
    strict = Policy(plain_wording=WordingPolicy(enabled=True, threshold=1.0))
    assert not [f for f in findings(_paraphrase(), strict) if f.rule == "plain_wording"]
    shipped_policy = Policy()  # off by default: its cost (docs/review-rules.md)
    assert not [f for f in findings(_paraphrase(), shipped_policy) if f.rule == "plain_wording"]


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
    assert MODEL in reason.detail["evidence"]
    assert "terms" not in reason.detail


PLAIN_ENGLISH = (
    "We pay you to review products at home, send a refundable deposit of $200 to start "
    "earning today.",
    "I have your private videos. Send $500 in bitcoin within 48 hours or everyone you know "
    "gets the link.",
    "Make $3,000 a week from your phone, just pay the $99 training fee first and we "
    "guarantee results.",
    "Cheap pills that keep you awake and high for days, shipped in plain packaging, pay "
    "with crypto.",
)
"""Clearly bad plain English (a task scam, sextortion, a fee first, drugs) that no dictionary
entry names."""
LOOKALIKES = (
    "Your bank card will expire next month. A new card is on its way to your home address.",
    "Grandma's birthday dinner is on Sunday at 6 pm, see you all there.",
    "Congratulations, your cruise booking is confirmed. Check your itinerary in the app.",
    "Leave a review of your recent order and get 10% off your next purchase.",
    "Your photos are backed up. Share albums with your family from the Photos tab.",
    "Market update: stocks closed higher today; past performance does not guarantee "
    "future returns.",
    "Book a private room for your birthday party at our karaoke bar, snacks included.",
)
"""Ordinary pushes that share their words."""


def _english(body: str) -> PushRequest:
    return push(content={"title": "Notice", "body": body}, category="notification")


def test_the_shipped_policy_holds_plain_english_no_dictionary_names() -> None:
    for body in PLAIN_ENGLISH:
        found = findings(_english(body))
        assert not [f for f in found if f.rule == "sensitive_terms"], body
        assert [f.severity for f in found if f.rule == "plain_wording"] == [Severity.HOLD], body


def test_the_shipped_policy_passes_ordinary_english_look_alikes() -> None:
    for body in LOOKALIKES:
        assert not findings(_english(body)), body


def test_a_long_ordinary_title_does_not_dilute_the_bodys_wording() -> None:
    title = "Weekly update from the team at your favourite store"
    request = push(content={"title": title, "body": PLAIN_ENGLISH[0]}, category="notification")
    [held] = [f for f in findings(request) if f.rule == "plain_wording"]
    assert held.field == "content.body"
