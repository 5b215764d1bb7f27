"""Source attribution: quoted or reposted content must say where it comes from.

Repost markers (转载, 来源：, via @) are found by the term matcher's pass over the
folded text, when the matcher was built with this policy's markers (see
TermMatcher.markers), else by an automaton of their own; either way a folded match only
says where to look, and the marker must be there as written (case aside).
"""

from functools import lru_cache
from typing import NamedTuple

from herald.contracts import ReasonCode
from herald.review.engine.findings import Finding
from herald.review.engine.normalize import fold_term
from herald.review.engine.plan import SourcePlan
from herald.review.engine.reading import Reading
from herald.review.engine.terms import MARKER_MIN, Marked, TermMatcher

_SLACK = 8
"""Characters either side of a folded match that a marker's punctuation may take (来源：)."""


def _attributed(reading: Reading) -> bool:
    source = reading.content.__dict__["source"]  # one slow read of the model (see pieces)
    return source is not None and bool(source.author or source.origin)


class _Need(NamedTuple):
    marker: str
    """Lower-case."""
    dropped: str
    """What folding drops from it (`rt @`: ` @`): the text must hold these."""
    short: bool
    """Too short for the matchers (see terms.MARKER_MIN): this rule looks for it."""


@lru_cache(maxsize=16)
def _needs(markers: tuple[str, ...]) -> tuple[tuple[_Need, ...], tuple[int, ...]]:
    """What each marker needs, and which markers are short."""
    found = []
    for marker in markers:
        key = fold_term(marker)
        dropped = "".join(set(marker) - set(key) - set(key.upper()))
        found.append(_Need(marker.lower(), dropped, key.isascii() and len(key) < MARKER_MIN))
    return tuple(found), tuple(i for i, need in enumerate(found) if need.short)


@lru_cache(maxsize=16)
def _own_scan(markers: tuple[str, ...]) -> TermMatcher:
    """A matcher of nothing but these markers (when the term matcher has others)."""
    return TermMatcher([], markers=markers)


def _marked(reading: Reading, policy: SourcePlan, matcher: TermMatcher | None) -> list[Marked]:
    if matcher is not None and matcher.markers == policy.repost_markers:
        return reading.scan(matcher)[1]
    return _own_scan(policy.repost_markers).scan(reading.folded)[1]


def _repost_marker(
    reading: Reading, policy: SourcePlan, matcher: TermMatcher | None
) -> tuple[str, str] | None:
    """The first marker in what a recipient reads, and the field it is in."""
    needs, short = _needs(policy.repost_markers)
    joined, folded = reading.joined, reading.folded
    found = []
    for start, stop, i in _marked(reading, policy, matcher):
        if all(ch in joined for ch in needs[i].dropped):
            first, last = folded.span(start, stop)
            if needs[i].marker in joined[max(0, first - _SLACK) : last + _SLACK].lower():
                found.append((first, i))
    lowered = ""
    for i in short:
        for ch in needs[i].dropped:  # `@` of `rt @`: most texts have none
            if ch not in joined:
                break
        else:
            lowered = lowered or joined.lower()
            at = lowered.find(needs[i].marker)
            if at >= 0:
                found.append((at, i))
    if not found:
        return None
    first, i = min(found)
    return reading.plain[reading.piece_at(first)].field, policy.repost_markers[i]


def missing_source(
    reading: Reading, plan: SourcePlan, matcher: TermMatcher | None = None
) -> list[Finding]:
    category, tenant = reading.category, reading.tenant
    if category not in plan.by_tenant.get(tenant, plan.categories) or _attributed(reading):
        return []
    policy = plan.policy
    if tenant in plan.required_tenants:
        return [
            Finding(
                "source",
                ReasonCode.MISSING_SOURCE,
                policy.required_severity,
                "content.source",
                "",
                f"tenant {tenant} requires content.source on every {category} push",
            )
        ]
    marker = _repost_marker(reading, plan, matcher)
    if marker is None:
        return []
    return [
        Finding(
            "source",
            ReasonCode.MISSING_SOURCE,
            policy.severity,
            marker[0],
            marker[1],
            "the content quotes or reposts but carries no content.source",
        )
    ]
