"""The violations board (曝光) as one caller may see it: who is warned, restricted or
banned, with their strikes, reasons and dates, filtered by the policy
(`violations_policy`): other departments' subjects, request ids and content excerpts
only where it allows. The board's service (`herald.review.board.Board`) reads it.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from herald.contracts.internal import Standing
from herald.review.violations_policy import ViolationsPolicy
from herald.runtime.auth import Principal, Role
from herald.runtime.identity import same_person

_DEPARTMENT_BOUND = (Role.SUBMITTER, Role.VIEWER)


@dataclass(frozen=True, slots=True)
class Strike:
    request_id: str
    at: datetime
    by: str
    """`rules` or `reviewer`: who rejected the request."""
    codes: tuple[str, ...]
    excerpt: str


@dataclass(frozen=True, slots=True)
class Entry:
    subject_kind: str
    subject: str
    department: str | None
    standing: Standing
    since: datetime
    strikes: tuple[Strike, ...]
    """Those in the ladder's window since the last reinstatement, newest first."""


class NotShownError(Exception):
    """The policy does not show the board to this caller's role."""


def visible(policy: ViolationsPolicy, who: Principal) -> bool:
    return who.role in policy.visible_to


def shown(entries: list[Entry], who: Principal, policy: ViolationsPolicy) -> list[dict[str, Any]]:
    """The board as this caller may see it."""
    if who.role in _DEPARTMENT_BOUND and not policy.other_departments:
        own = who.department or ""
        entries = [e for e in entries if own and same_person(e.department or "", own)]
    ids, excerpts = who.role in policy.request_ids_to, who.role in policy.excerpts_to
    return [
        {
            "subject_kind": e.subject_kind,
            "subject": e.subject,
            "department": e.department,
            "standing": str(e.standing),
            "since": e.since.isoformat(),
            "strikes": len(e.strikes),
            "violations": [_strike(s, ids, excerpts, policy.excerpt_chars) for s in e.strikes],
        }
        for e in entries
    ]


def _strike(s: Strike, ids: bool, excerpts: bool, chars: int) -> dict[str, Any]:
    found: dict[str, Any] = {"at": s.at.isoformat(), "by": s.by, "codes": list(s.codes)}
    if ids:
        found["request_id"] = s.request_id
    if excerpts:
        found["excerpt"] = s.excerpt if len(s.excerpt) <= chars else s.excerpt[:chars] + "…"
    return found
