"""A template version's review on fakes: review reads each locale's skeleton (what no
request's values decide), names findings by the template's texts, decides once per
version, and announces the decision to intake."""

import json
from datetime import timedelta
from typing import Any

import pytest
from tests.support.fakes import FakeEventBus
from tests.unit.review.builders import NOW
from tests.unit.review.harness import Clock
from tests.unit.review.template_fakes import FakeTemplateReviewStore

from herald.contracts import StatusKind, Topic
from herald.contracts.internal import Submitter
from herald.contracts.template_review import TemplateReviewRequested
from herald.review.adapters.dictionaries import Dictionaries
from herald.review.domain import HumanDecision
from herald.review.engine.engine import Engine
from herald.review.judging import Judge
from herald.review.policy import Policy
from herald.review.templates.reviewing import TemplateReviewer
from herald.review.templates.skeleton import requests_of

SUBMITTER = Submitter(user="li.wei", department="marketing", credential="k-1", via="http")


def requested(texts: dict[str, Any], version: int = 1) -> TemplateReviewRequested:
    return TemplateReviewRequested.model_validate(
        {
            "tenant": "acme", "name": "t", "version": version, "category": "notification",
            "channels": ["app_push"], "texts": texts, "submitter": SUBMITTER.model_dump(),
            "at": NOW.isoformat(),
        }
    )  # fmt: skip


def reviewer() -> tuple[TemplateReviewer, FakeTemplateReviewStore, FakeEventBus]:
    policy = Policy()
    judge = Judge(Engine(policy, Dictionaries(policy, None).matcher))
    store, events = FakeTemplateReviewStore(), FakeEventBus()
    return TemplateReviewer(judge, store, events, lambda: NOW), store, events


def announced(events: FakeEventBus) -> list[dict[str, Any]]:
    return [json.loads(p.value or b"") for p in events.on(Topic.TEMPLATE_REVIEWED)]


def test_review_reads_every_placeholder_as_a_neutral_sign() -> None:
    texts = {
        "default": {"title": "Hi {{ values.name | upper }}", "body": "{{ recipient.id }} ok"},
        "locales": {"zh": {"title": "你好 {{ values.name }}", "body": "好"}},
    }
    [(first, default), (second, zh)] = requests_of(requested(texts))
    assert (first, default.content.title, default.content.body) == (
        "texts.default.",
        "Hi ¤",
        "¤ ok",
    )
    assert (second, zh.content.title) == ("texts.locales.zh.", "你好 ¤")
    assert default.audience.all is True


async def test_a_blocked_term_in_a_locale_rejects_the_version_naming_that_text() -> None:
    r, store, events = reviewer()
    texts = {
        "default": {"title": "Hi", "body": "ok"},
        "locales": {"zh": {"title": "百家乐", "body": "好"}},
    }
    await r.review(requested(texts))
    [event] = announced(events)
    assert event["state"] == "rejected"
    assert event["reasons"][0]["detail"]["field"] == "texts.locales.zh.title"
    assert (await store.get("acme", "t", 1)).emitted  # type: ignore[union-attr]


async def test_a_version_is_decided_once_and_a_redelivery_announces_nothing_new() -> None:
    r, _, events = reviewer()
    clean = requested({"default": {"title": "Hello {{ values.name }}", "body": "Your code."}})
    await r.review(clean)
    await r.review(clean)
    assert [e["state"] for e in announced(events)] == ["approved"]


async def test_a_held_version_waits_for_a_human_whose_decision_is_announced() -> None:
    r, _, events = reviewer()
    await r.review(requested({"default": {"title": "Sale", "body": "详情 https://bit.ly/x"}}))
    assert [e["state"] for e in announced(events)] == ["pending_review"]
    decided = await r.decide_by_human("acme", "t", 1, HumanDecision(False, "zhang.san", "no"))
    assert decided is not None and decided.state == StatusKind.REJECTED
    last = announced(events)[-1]
    assert (last["state"], last["decided_by"], last["reasons"][0]["message"]) == (
        "rejected", "zhang.san", "no",
    )  # fmt: skip


class _Flaky(FakeEventBus):
    """The broker, away while `down`."""

    down: bool = False

    async def publish(self, *args: Any, **kwargs: Any) -> None:
        if self.down:
            raise ConnectionError("the broker is away")
        await super().publish(*args, **kwargs)


async def test_a_decision_whose_announcement_failed_is_relayed_later() -> None:
    policy, events, store = Policy(), _Flaky(), FakeTemplateReviewStore()
    clock = Clock()
    judge = Judge(Engine(policy, Dictionaries(policy, None).matcher))
    r = TemplateReviewer(judge, store, events, clock)
    await r.review(requested({"default": {"title": "Sale", "body": "详情 https://bit.ly/x"}}))
    events.down = True
    with pytest.raises(ConnectionError):
        await r.decide_by_human("acme", "t", 1, HumanDecision(True, "zhang.san"))
    events.down = False
    clock.advance(minutes=1)
    await r.relay(timedelta(seconds=30))
    assert [e["state"] for e in announced(events)] == ["pending_review", "approved"]
    assert (await store.get("acme", "t", 1)).emitted  # type: ignore[union-attr]
