"""Random and adversarial text through the normaliser, the matcher and every rule: nothing
raises, spans stay inside the text, and evidence is always quoted from what was written."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.unit.review.builders import push

from herald.policy import LinkPolicy, check_url, urls_in
from herald.review.adapters.dictionaries import Dictionaries
from herald.review.engine.engine import Engine
from herald.review.engine.normalize import fold
from herald.review.policy import Policy

_DICT = Dictionaries(Policy(), None)
_ENGINE = Engine(Policy(), _DICT.matcher)
_PIECES = (
    "百家乐", "冰毒", "bjl", "du博", "。", ".", "@", ":", "//", "http://", "1", "0x7f", "[", "]",
    "【", "】", "<", "script", " ", "\u200b", "\u0301", "🎰", "ﬁ", "ß", "㎏", "а", "①", "\0",
    "𠀀", "a.", "1 ", "-", "%", "\\", "退订", "转载", "13812345678",
)  # fmt: skip
adversarial = st.lists(st.sampled_from(_PIECES), max_size=400).map("".join)
anything = st.text(max_size=600)
texts = st.one_of(anything, adversarial)
_FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_FAST
@given(texts)
def test_folding_keeps_a_map_back_to_every_original_character(text: str) -> None:
    folded = fold(text)
    assert len(folded.origin) == len(folded.codes) == len(folded.text)
    assert list(folded.origin) == sorted(folded.origin)
    assert all(0 <= int(i) < len(text) for i in folded.origin)


@_FAST
@given(texts)
def test_hits_are_spans_of_the_original_text(text: str) -> None:
    for hit in _DICT.matcher().find(text):
        assert 0 <= hit.start < hit.end <= len(text)


@_FAST
@given(texts, st.sampled_from(["marketing", "notification", "transactional", "alert"]))
def test_every_rule_takes_any_text(text: str, category: str) -> None:
    request = push(
        content={"title": text[:50] or "t", "body": text or "b"},
        category=category,
        channels=["app_push", "sms"],
    )
    for finding in _ENGINE.evaluate(request):
        if finding.rule == "sensitive_terms":
            for quoted in finding.evidence.split(", "):
                assert quoted in text


@_FAST
@given(texts)
def test_links_are_found_and_judged_in_any_text(text: str) -> None:
    for url in urls_in(text):
        assert url in text
        check_url(url, LinkPolicy())
