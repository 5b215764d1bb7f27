"""Source attribution: quoted or reposted content must say where it comes from."""

import re
from functools import lru_cache

from herald.contracts import PushRequest, ReasonCode
from herald.review.engine.findings import Finding, Kind, Piece
from herald.review.policy import SourcePolicy


def _attributed(request: PushRequest) -> bool:
    source = request.content.source
    return source is not None and bool(source.author or source.origin)


@lru_cache(maxsize=16)
def _any_marker(markers: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(m.lower()) for m in markers) or "(?!)")


def _repost_marker(texts: list[Piece], policy: SourcePolicy) -> tuple[str, str] | None:
    everything = "\n".join(p.text for p in texts if p.kind != Kind.URL).lower()
    if not _any_marker(policy.repost_markers).search(everything):
        return None
    for piece in texts:
        if piece.kind == Kind.URL:
            continue
        lowered = piece.text.lower()
        for marker in policy.repost_markers:
            if marker.lower() in lowered:
                return piece.field, marker
    return None


def missing_source(request: PushRequest, texts: list[Piece], policy: SourcePolicy) -> list[Finding]:
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
    marker = _repost_marker(texts, policy)
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
