"""Source attribution: quoted or reposted content must say where it comes from."""

from functools import lru_cache

from herald.contracts import PushRequest, ReasonCode
from herald.review.engine.findings import Finding
from herald.review.engine.keys import Automaton, automaton
from herald.review.engine.normalize import fold_term
from herald.review.engine.reading import Reading
from herald.review.policy import SourcePolicy

_SLACK = 8
"""Characters either side of a folded match that a marker's punctuation may take (来源：)."""


def _attributed(request: PushRequest) -> bool:
    source = request.content.source
    return source is not None and bool(source.author or source.origin)


_Marker = tuple[str, str]
"""A marker, lower-case, and the characters folding drops from it (`rt @`: ` @`)."""


@lru_cache(maxsize=16)
def _markers(markers: tuple[str, ...]) -> Automaton[tuple[_Marker, ...]] | None:
    """The markers, folded like the texts, in one automaton: a pass over the folded
    text the term matcher reads anyway finds where one may be."""
    keys: dict[str, tuple[_Marker, ...]] = {}
    for marker in markers:
        key = fold_term(marker)
        if key:
            dropped = "".join(set(marker) - set(key) - set(key.upper()))
            keys[key] = (*keys.get(key, ()), (marker.lower(), dropped))
    return automaton(keys)


def _repost_marker(reading: Reading, policy: SourcePolicy) -> tuple[str, str] | None:
    """The first marker in what a recipient reads, as written (case aside; the folded
    match only says where to look), and the field it is in."""
    markers = _markers(policy.repost_markers)
    if markers is None:
        return None
    folded, joined = reading.folded, reading.joined
    for key, start, stop in markers.find(folded.text):
        for marker, dropped in markers.values[key]:
            if not all(ch in joined for ch in dropped):
                continue  # `rt` in `starts` is no `rt @` when there is no @ at all
            first, last = folded.span(start, stop)
            if marker in joined[max(0, first - _SLACK) : last + _SLACK].lower():
                return reading.plain[reading.piece_at(first)].field, marker
    return None


def missing_source(reading: Reading, policy: SourcePolicy) -> list[Finding]:
    request = reading.request
    if request.category not in policy.categories_of(request.tenant) or _attributed(request):
        return []
    if request.tenant in policy.required_tenants:
        return [
            Finding(
                "source",
                ReasonCode.MISSING_SOURCE,
                policy.required_severity,
                "content.source",
                "",
                f"tenant {request.tenant} requires content.source on every {request.category} push",
            )
        ]
    marker = _repost_marker(reading, policy)
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
