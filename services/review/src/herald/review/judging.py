"""What review feeds its engine, and the findings it gets back.

The engine judges requests (`Engine.evaluate(request, deadline)`); review hands it
what will be sent rather than what was written (`projection`): the request's texts
rendered, then each label value on its own, whose content findings (terms, links,
markup, personal data) are named `labels.<key>`. Beside the engine, SMS segments are
counted as sent, tracked links included (`sent_length`). All of it runs in one worker
thread under one time budget, as `engine.budget.evaluate_within` runs the engine alone:
a request not judged in time waits for a human.
"""

from dataclasses import replace

from herald.contracts import PushRequest, ReasonCode
from herald.review.domain.projection import label_views, project
from herald.review.domain.sent_length import TrackedLinks, sms_as_sent
from herald.review.engine.budget import evaluate_within
from herald.review.engine.engine import Engine
from herald.review.engine.findings import Finding
from herald.review.policy import Policy

LABEL_CODES = frozenset(
    {
        ReasonCode.SENSITIVE_CONTENT,
        ReasonCode.UNSAFE_LINK,
        ReasonCode.UNSAFE_MARKUP,
        ReasonCode.PERSONAL_DATA,
    }
)
"""What a label value is judged for on its own (not format or sources: it is no title
or body, and the request's own texts carry its sources)."""


class Judge:
    def __init__(self, engine: Engine, links: TrackedLinks | None = None) -> None:
        self._engine = engine
        self._links = links or TrackedLinks()

    @property
    def policy(self) -> Policy:
        return self._engine.policy

    def evaluate(self, request: PushRequest, deadline: float | None = None) -> list[Finding]:
        """Every finding; OverBudget once past `deadline` (time.monotonic())."""
        projected = project(request)
        found = projected.invalid + self._engine.evaluate(projected.request, deadline)
        for view, labels in label_views(request):
            found += [
                replace(f, field=labels[f.field])
                for f in self._engine.evaluate(view, deadline)
                if f.code in LABEL_CODES and f.field in labels
            ]
        max_segments = self.policy.sms.max_segments
        return found + sms_as_sent(projected.request, max_segments, self._links)

    async def within(self, request: PushRequest, budget_s: float | None = None) -> list[Finding]:
        """Every finding, or the over-budget hold past the policy's `budget_ms`."""
        return await evaluate_within(self, request, budget_s)
