"""The violations board (曝光): who is warned, restricted or banned, with their strikes,
reasons and dates, shown to whom the policy says (`violations_policy`).

`shown` is pure: it filters a tenant's board for one caller (other departments' subjects,
request ids and content excerpts only where the policy allows) and turns it into what
the API answers and the console renders. `Board` is its service: the window of the
strike ladder, the live policy, the repository.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from herald.contracts.internal import Standing
from herald.review.policy import Policy
from herald.review.violations_policy import ViolationsPolicy
from herald.runtime.auth import Principal, Role
from herald.runtime.clock import Clock
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


class BoardRepository(Protocol):
    async def board(self, tenant: str, since: datetime) -> list[Entry]:
        """Subjects at warned or worse, with their strikes at or after `since`."""


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


class Board:
    def __init__(self, repo: BoardRepository, policy: Callable[[], Policy], clock: Clock) -> None:
        self._repo, self._policy, self._clock = repo, policy, clock

    def policy(self) -> ViolationsPolicy:
        return self._policy().violations

    async def listing(self, who: Principal) -> dict[str, Any]:
        """The board for this caller; NotShownError if the policy shows it none."""
        policy = self._policy()
        if not visible(policy.violations, who):
            raise NotShownError(", ".join(map(str, policy.violations.visible_to)) or "nobody")
        window = policy.strikes.window_days
        entries = await self._repo.board(who.tenant, self._clock() - timedelta(days=window))
        return {"window_days": window, "violations": shown(entries, who, policy.violations)}
