"""What the console's pages show, built from a stored Review. Pure: no I/O."""

from datetime import datetime
from typing import Any

from herald.contracts import StatusKind
from herald.contracts.internal import Standing
from herald.review.domain import may_decide_on
from herald.review.engine.findings import pieces
from herald.review.http.console.highlight import highlight, needles_by_field
from herald.review.ports import Review
from herald.runtime.auth import Principal


def age(since: datetime, now: datetime) -> str:
    """How long something has waited, for people: `42 s`, `5 min`, `2 h 5 min`, `3 d 4 h`."""
    s = max(0, int((now - since).total_seconds()))
    if s < 60:
        return f"{s} s"
    m, h, d = s // 60, s // 3600, s // 86400
    if s < 3600:
        return f"{m} min"
    if s < 86400:
        return f"{h} h {m % 60} min"
    return f"{d} d {h % 24} h"


def state_of(review: Review) -> str:
    return "pending" if review.state == StatusKind.PENDING_REVIEW else str(review.state)


def queue_item(review: Review, now: datetime) -> dict[str, Any]:
    req = review.envelope.request if review.envelope else None
    return {
        "request_id": review.request_id,
        "title": req.content.title if req else "",
        "requester": review.requester or "",
        "department": review.department or "",
        "category": str(req.category) if req else "",
        "codes": sorted({str(r.code) for r in review.reasons}),
        "age": age(review.created_at, now),
        "since": review.created_at.isoformat(timespec="seconds"),
    }


def detail(
    review: Review, viewer: Principal, standings: tuple[Standing, ...], now: datetime
) -> dict[str, Any]:
    """The detail page: content with evidence in <mark>, the findings, standing, four eyes."""
    req = review.envelope.request if review.envelope else None
    marks = needles_by_field(review.findings)
    content = (
        [(p.field, highlight(p.text, marks.get(p.field, ()))) for p in pieces(req)] if req else []
    )
    requester_standing, department_standing = (str(s) for s in standings)
    return {
        "request_id": review.request_id,
        "state": state_of(review),
        "requester": review.requester or "",
        "department": review.department or "",
        "credential": _credential(review),
        "requester_standing": requester_standing,
        "department_standing": department_standing,
        "goal": req.goal if req else "",
        "category": str(req.category) if req else "",
        "channels": [str(c) for c in req.channels] if req else [],
        "age": age(review.created_at, now),
        "content": content,
        "findings": [_finding(f) for f in review.findings],
        "may_decide": may_decide_on(viewer.user, viewer.key_id, review.envelope),
        "decided_by": review.decided_by,
    }


def _credential(review: Review) -> str:
    """What the request came with: `API key acme-submitter`, `Kafka producer crm`."""
    if review.envelope is None or review.envelope.submitter is None:
        return ""
    s = review.envelope.submitter
    kind = {"http": "API key", "kafka": "Kafka producer"}.get(s.via, s.via)
    return f"{kind} {s.credential}" if s.credential else kind


def _finding(f: dict[str, Any]) -> dict[str, str]:
    return {k: str(f.get(k) or "") for k in ("code", "severity", "message", "field", "evidence")}
