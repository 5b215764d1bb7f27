"""A request the engine cannot judge in time waits for a human, and the event loop (the
Kafka heartbeat with it) keeps running while the engine works."""

import asyncio
import threading

from tests.unit.review.builders import push

from herald.contracts import StatusKind
from herald.review.adapters.dictionaries import Dictionaries
from herald.review.domain import decide
from herald.review.engine.budget import evaluate_within
from herald.review.engine.engine import Engine, OverBudget
from herald.review.engine.terms import TermMatcher
from herald.review.judging import Judge
from herald.review.policy import Policy

_DICT = Dictionaries(Policy(), None)


class _StuckMatcher:
    """A matcher that does not return until released (an engine stuck on a request)."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()

    def __call__(self) -> TermMatcher:
        self.entered.set()
        self.release.wait(timeout=30)
        return _DICT.matcher()


async def test_a_request_over_budget_is_held_for_a_human_with_a_reason() -> None:
    stuck = _StuckMatcher()
    engine = Engine(Policy(), stuck)
    request = push(content={"body": "会员专享 5 折起"})
    ticks = 0

    async def heartbeat() -> None:
        nonlocal ticks
        while not stuck.release.is_set():
            ticks += 1
            await asyncio.sleep(0)

    beating = asyncio.create_task(heartbeat())
    try:
        findings = await evaluate_within(engine, request, budget_s=0.05)
    finally:
        stuck.release.set()
        await beating
    assert ticks > 0, "the event loop ran while the engine was stuck"
    decision = decide(request, findings, Policy())
    assert decision.state == StatusKind.PENDING_REVIEW
    [reason] = decision.reasons
    assert reason.code == "unavailable"
    assert "within 50 ms" in reason.message


async def test_a_request_within_budget_gets_every_finding() -> None:
    engine = Engine(Policy(), _DICT.matcher)
    request = push(content={"body": "百家乐开局 https://bit.ly/x"})
    within = await evaluate_within(engine, request)
    assert [f.rule for f in within] == [f.rule for f in engine.evaluate(request)]


async def test_review_s_judge_over_budget_is_held_like_the_engine_alone() -> None:
    stuck = _StuckMatcher()
    judge = Judge(Engine(Policy(), stuck))
    try:
        findings = await judge.within(push(content={"body": "会员专享 5 折起"}), budget_s=0.05)
    finally:
        stuck.release.set()
    [finding] = findings
    assert (finding.code, finding.evidence) == ("unavailable", "50 ms")


def test_the_engine_stops_between_rules_once_past_its_deadline() -> None:
    engine = Engine(Policy(), _DICT.matcher)
    try:
        engine.evaluate(push(), deadline=0.0)
    except OverBudget:
        return
    raise AssertionError("a deadline in the past must stop the engine")
