"""The engine: every rule over a request, giving all findings. Pure apart from the
matcher it is handed (a new one whenever the dictionaries change)."""

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


class Engine:
    def __init__(self, policy: Policy, matcher: Callable[[], TermMatcher]) -> None:
        self.policy = policy
        self._matcher = matcher

    def evaluate(self, request: PushRequest) -> list[Finding]:
        p = self.policy
        texts = pieces(request)
        words = readable(texts)
        return [
            *sensitive_terms(self._matcher(), words),
            *unsafe_links(texts, p.links),
            *unsafe_markup(texts),
            *missing_source(request, words, p.source),
            *personal_data(words, p.personal_data),
            *sms_format(request, p.sms),
            *content_format(request, p.format),
            *social_format(request, p.social),
        ]
