"""The console shows untrusted text: evidence is marked, everything else is escaped."""

import dataclasses
from datetime import timedelta

from tests.unit.review.builders import LI_WEI, NOW, envelope, push

from herald.contracts import StatusKind
from herald.contracts.internal import Standing
from herald.review.adapters.dictionaries import Dictionaries
from herald.review.engine.engine import Engine
from herald.review.http.console import views, web
from herald.review.http.console.highlight import highlight, needles_by_field, spans
from herald.review.policy import Policy
from herald.review.ports import Review
from herald.runtime.auth import Principal, Role


def test_evidence_is_marked_and_the_rest_escaped() -> None:
    shown = highlight("<b>百家乐</b> & more 百家乐", ["百家乐"])
    assert shown == ("&lt;b&gt;<mark>百家乐</mark>&lt;/b&gt; &amp; more <mark>百家乐</mark>")


def test_evidence_that_looks_like_markup_is_escaped_inside_the_mark() -> None:
    shown = highlight("go <img src=x onerror=alert(1)> now", ["<img src=x onerror=alert(1)>"])
    assert shown == "go <mark>&lt;img src=x onerror=alert(1)&gt;</mark> now"


def test_overlapping_and_adjacent_evidence_merge_into_one_mark() -> None:
    assert spans("abcdef", ["abc", "bcd", "ef"]) == [(0, 6)]
    assert spans("ab cd", ["ab", "cd"]) == [(0, 2), (3, 5)]
    assert highlight("abcdef", ["abc", "cd"]) == "<mark>abcd</mark>ef"


def test_empty_evidence_and_text_without_it_are_only_escaped() -> None:
    assert highlight("a<b", ["", "zzz"]) == "a&lt;b"
    assert highlight("", ["x"]) == ""


def test_terms_are_split_links_kept_whole_and_descriptions_ignored() -> None:
    findings = [
        {"rule": "sensitive_terms", "field": "content.body", "evidence": "百家乐, 网上赌场"},
        {"rule": "links", "field": "content.body", "evidence": "https://bit.ly/x?a=1, b"},
        {"rule": "markup", "field": "content.body", "evidence": "script"},
        {"rule": "channel_format", "field": "content.variants.sms.body", "evidence": "80 > 70"},
        {"rule": "source", "field": "content.source", "evidence": ""},
    ]
    assert needles_by_field(findings) == {
        "content.body": ["百家乐", "网上赌场", "https://bit.ly/x?a=1, b"]
    }


ZHANG_SAN = Principal("acme-reviewer", "acme", Role.REVIEWER, "zhang.san", "compliance")


def _review(body: str, findings: list[dict[str, str]]) -> Review:
    req = push("r-1", content={"body": body, "variants": {"sms": {"body": body}}})
    return Review(
        tenant="acme",
        request_id="r-1",
        state=StatusKind.PENDING_REVIEW,
        envelope=envelope(req, submitter=LI_WEI),
        requester="li.wei",
        department="marketing",
        reasons=(),
        findings=findings,
        emitted=True,
        created_at=NOW - timedelta(minutes=125),
    )


def test_the_detail_page_marks_only_the_field_the_evidence_came_from_and_runs_nothing() -> None:
    body = "<script>document.title='pwned'</script> 百家乐 <img src=x onerror=alert(1)>"
    finding = {
        "rule": "sensitive_terms",
        "code": "sensitive_content",
        "severity": "hold",
        "field": "content.body",
        "evidence": "百家乐",
        "message": "<i>matched</i>",
    }
    review = _review(body, [finding])
    r = views.detail(review, ZHANG_SAN, (Standing.GOOD, Standing.WARNED), NOW)
    content = dict(r["content"])
    assert "<mark>百家乐</mark>" in content["content.body"]
    assert "<mark>" not in content["content.variants.sms.body"]
    assert (r["age"], r["may_decide"], r["department_standing"]) == ("2 h 5 min", True, "warned")

    html = (
        web.templates()
        .get_template("detail.html")
        .render(r=r, who=None, csrf="t", flash=None, error="")
    )
    assert "<script" not in html and "<img" not in html and "<i>" not in html
    assert "&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;" in html
    assert "&lt;i&gt;matched&lt;/i&gt;" in html


def test_the_requester_is_told_why_they_cannot_decide() -> None:
    li_wei = Principal("acme-li-reviewer", "acme", Role.REVIEWER, "Li.Wei ", "marketing")
    r = views.detail(_review("hi", []), li_wei, (Standing.GOOD, Standing.GOOD), NOW)
    assert r["may_decide"] is False


def test_the_key_a_request_came_with_may_not_decide_it_and_the_page_names_it() -> None:
    same_key = Principal("acme-submitter", "acme", Role.ADMIN, "someone.else", "operations")
    r = views.detail(_review("hi", []), same_key, (Standing.GOOD, Standing.GOOD), NOW)
    assert r["may_decide"] is False
    assert r["credential"] == "API key acme-submitter"


def test_ages_read_like_a_person_would_say_them() -> None:
    ago = [timedelta(seconds=5), timedelta(minutes=3), timedelta(hours=26, minutes=1)]
    assert [views.age(NOW - d, NOW) for d in ago] == ["5 s", "3 min", "1 d 2 h"]


def test_evasions_the_engine_saw_through_are_marked_as_the_requester_wrote_them() -> None:
    body = "首映《血 腥玛丽》，繁體的「血腥」也算，详情 bit.ly/acme"
    req = push("r-2", content={"body": body})
    found = Engine(Policy(), Dictionaries(Policy(), None).matcher).evaluate(req)
    review = _review(body, [dataclasses.asdict(f) for f in found])
    shown = dict(views.detail(review, ZHANG_SAN, (Standing.GOOD,) * 2, NOW)["content"])
    assert "<mark>血 腥</mark>" in shown["content.body"]
    assert "<mark>血腥</mark>" in shown["content.body"]
    assert "<mark>bit.ly/acme</mark>" in shown["content.body"]
