"""The engine: every rule over a request, giving all findings. Pure apart from the
matcher it is handed (a new one whenever the dictionaries or the policy change)."""

import time
from collections.abc import Callable

from herald.contracts import PushRequest
from herald.review.engine.findings import Finding, pieces
from herald.review.engine.rule_format import content_format, sms_format
from herald.review.engine.rule_links import unsafe_links
from herald.review.engine.rule_markup import unsafe_markup
from herald.review.engine.rule_personal import personal_data
from herald.review.engine.rule_social import social_format
from herald.review.engine.rule_source import missing_source
from herald.review.engine.rule_terms import readable, sensitive_terms
from herald.review.engine.terms import TermMatcher
from herald.review.policy import Policy


class OverBudget(Exception):  # noqa: N818 - a signal, not an error
    """The request took longer than its budget; the rules still to run did not run."""


class Engine:
    def __init__(self, policy: Policy, matcher: Callable[[], TermMatcher]) -> None:
        self._policy = policy
        self._matcher = matcher

    @property
    def policy(self) -> Policy:
        """The policy in force: the matcher's (reloaded with it), else the one given."""
        return getattr(self._matcher(), "policy", None) or self._policy

    def evaluate(self, request: PushRequest, deadline: float | None = None) -> list[Finding]:
        """Every finding; with a `deadline` (time.monotonic()), OverBudget once past it."""
        matcher = self._matcher()
        p = getattr(matcher, "policy", None) or self._policy
        texts = pieces(request)
        words = readable(texts)
        steps: list[Callable[[], list[Finding]]] = [
            lambda: sensitive_terms(matcher, words, lambda c: p.applies(c, request.category)),
            lambda: unsafe_links(texts, p.links),
            lambda: unsafe_markup(texts),
            lambda: missing_source(request, words, p.source),
            lambda: personal_data(words, p.personal_data),
            lambda: sms_format(request, p.sms),
            lambda: content_format(request, p.format),
            lambda: social_format(request, p.social),
        ]
        found: list[Finding] = []
        for step in steps:
            if deadline is not None and time.monotonic() > deadline:
                raise OverBudget
            found += step()
        return found
