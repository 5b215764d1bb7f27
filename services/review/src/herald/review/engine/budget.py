"""Judge a request off the event loop, within a time budget.

`evaluate_within` runs the engine in a worker thread (so the event loop, and with it
the Kafka consumer's heartbeat, keeps running) and waits at most the policy's
`budget_ms`. A request the engine cannot judge in time is not approved and not lost: it
gets one `hold` finding, `unavailable`, and waits for a human, who sees why. The thread
is not killed (Python cannot), but the engine checks the deadline between rules and
stops at the next one; every rule is linear in its input and inputs are size-capped,
so no rule runs for long.
"""

import asyncio
import time
from typing import Protocol

from herald.contracts import PushRequest, ReasonCode
from herald.review.engine.engine import OverBudget
from herald.review.engine.findings import Finding, Severity
from herald.review.policy import Policy


class Evaluates(Protocol):
    """What can be judged within a budget: the engine, or review's Judge (the engine
    over what will be sent, beside the SMS segments as sent)."""

    @property
    def policy(self) -> Policy: ...

    def evaluate(self, request: PushRequest, deadline: float | None = None) -> list[Finding]: ...


def over_budget(budget_s: float) -> Finding:
    return Finding(
        "budget",
        ReasonCode.UNAVAILABLE,
        Severity.HOLD,
        "content",
        f"{budget_s * 1000:g} ms",
        f"review could not judge this request within {budget_s * 1000:g} ms; "
        "a human must look at it",
        "budget",
    )


async def evaluate_within(
    judge: Evaluates, request: PushRequest, budget_s: float | None = None
) -> list[Finding]:
    """Every finding, or the over-budget hold when judging takes longer than the
    budget (the policy's `budget_ms` unless given)."""
    budget = budget_s if budget_s is not None else judge.policy.budget_ms / 1000
    deadline = time.monotonic() + budget
    try:
        return await asyncio.wait_for(
            asyncio.to_thread(judge.evaluate, request, deadline), timeout=budget
        )
    except (TimeoutError, OverBudget):
        return [over_budget(budget)]
