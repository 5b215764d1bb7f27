"""The engine: every rule over a request, giving all findings. Pure apart from the
matcher it is handed (a new one whenever the dictionaries or the policy change)."""

import time
from collections.abc import Callable

from herald.contracts import Channel, PushRequest
from herald.review.engine.findings import Finding
from herald.review.engine.plan import Plan
from herald.review.engine.reading import Reading
from herald.review.engine.rule_format import content_format, sms_format
from herald.review.engine.rule_links import unsafe_links
from herald.review.engine.rule_markup import unsafe_markup
from herald.review.engine.rule_personal import personal_data
from herald.review.engine.rule_social import social_format
from herald.review.engine.rule_source import missing_source
from herald.review.engine.rule_terms import sensitive_terms
from herald.review.engine.rule_wording import plain_wording
from herald.review.engine.terms import TermMatcher
from herald.review.policy import Policy

_SMS, _SOCIAL = Channel.SMS, Channel.SOCIAL


class OverBudget(Exception):  # noqa: N818 - a signal, not an error
    """The request took longer than its budget; the rules still to run did not run."""


class Engine:
    def __init__(self, policy: Policy, matcher: Callable[[], TermMatcher]) -> None:
        self._policy = policy
        self._matcher = matcher
        self._plan = Plan(policy)
        """The plan of the policy last judged under (see plan): a policy is reloaded
        whole, so one plan serves every request until it is."""

    @property
    def policy(self) -> Policy:
        """The policy in force: the matcher's (reloaded with it), else the one given."""
        return getattr(self._matcher(), "policy", None) or self._policy

    def evaluate(self, request: PushRequest, deadline: float | None = None) -> list[Finding]:
        """Every finding; with a `deadline` (time.monotonic()), OverBudget once past it."""
        matcher = self._matcher()
        policy = getattr(matcher, "policy", None) or self._policy
        plan = self._plan
        if plan.policy is not policy:
            plan = self._plan = Plan(policy)
        reading = Reading(request)
        found: list[Finding] = []
        if deadline is None:
            for rule in _RULES:
                found += rule(reading, plan, matcher)
            return found
        for rule in _RULES:
            if time.monotonic() > deadline:
                raise OverBudget
            found += rule(reading, plan, matcher)
        return found


def _terms(reading: Reading, p: Plan, matcher: TermMatcher) -> list[Finding]:
    category, scope = reading.category, p.term_scope
    return sensitive_terms(matcher, reading, lambda c: (s := scope.get(c)) is None or category in s)


def _links(reading: Reading, p: Plan, _: TermMatcher) -> list[Finding]:
    return unsafe_links(reading.texts, p.links, reading.marks)


def _markup(reading: Reading, _: Plan, __: TermMatcher) -> list[Finding]:
    return unsafe_markup(reading.texts) if reading.may_hold_markup else []


def _source(reading: Reading, p: Plan, matcher: TermMatcher) -> list[Finding]:
    return missing_source(reading, p.source, matcher)


def _personal(reading: Reading, p: Plan, _: TermMatcher) -> list[Finding]:
    if not reading.may_hold_personal_data():
        return []
    return personal_data(reading.plain, p.personal_data)


def _wording(reading: Reading, p: Plan, matcher: TermMatcher) -> list[Finding]:
    if p.wording is None:
        return []
    category, scope = reading.category, p.term_scope
    return plain_wording(
        matcher, reading, p.wording, lambda c: (s := scope.get(c)) is None or category in s
    )


def _formats(reading: Reading, p: Plan, _: TermMatcher) -> list[Finding]:
    channels = reading.channels
    found = sms_format(reading, p.sms) if _SMS in channels else []
    found += content_format(reading, p.format, p.title_max)
    return found + social_format(reading, p.social) if _SOCIAL in channels else found


_RULES: tuple[Callable[[Reading, Plan, TermMatcher], list[Finding]], ...] = (
    _terms, _links, _markup, _source, _personal, _formats, _wording,
)  # fmt: skip
"""Every rule, in order, as a plain function of the request's reading: none is built
per request (a request takes tens of microseconds; a closure per rule was a tenth)."""
