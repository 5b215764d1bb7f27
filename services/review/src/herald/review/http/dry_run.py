"""Dry run: what review would decide about a request, deciding nothing.

The same engine, fed the same way (`judging.Judge`), and the same `domain.decide` as
the consumer, over the caller's standing as it is now (the caller is the submitter: the
body must name them, as on intake); nothing is recorded, audited, struck or published.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter

from herald.contracts import PushRequest, StatusKind
from herald.contracts.internal import Standing
from herald.review.domain import Decision, decide, needs_human
from herald.review.domain.sent_length import TrackedLinks
from herald.review.engine.engine import Engine
from herald.review.engine.findings import Finding
from herald.review.judging import Judge
from herald.runtime.auth import Authenticator, Principal, Role, submits_for_own_tenant
from herald.runtime.identity import requester_is_caller
from herald.runtime.problems import problems

Standings = Callable[[str, str, str], Awaitable[tuple[Standing, ...]]]
"""(tenant, requester, department) -> their standings, read only."""

_ERRORS = problems(400, 401, 403, 413)
_ANSWERS = {
    StatusKind.APPROVED: "approved",
    StatusKind.PENDING_REVIEW: "pending_review",
    StatusKind.REJECTED: "rejected",
}


def finding_view(f: Finding) -> dict[str, Any]:
    return {
        "code": str(f.code),
        "rule": f.rule,
        "field": f.field,
        "evidence": f.evidence,
        "severity": str(f.severity),
        "message": f.message,
        "category": f.category or None,
        "entries": list(f.entries),
    }


def answer(decision: Decision, policy_why: str, standings: tuple[Standing, ...]) -> dict[str, Any]:
    """The decision with every finding (notes included), and why a human would look."""
    return {
        "decision": _ANSWERS[decision.state],
        "reasons": [r.model_dump(mode="json") for r in decision.reasons],
        "findings": [finding_view(f) for f in decision.findings],
        "human_required": decision.state == StatusKind.PENDING_REVIEW,
        "human_required_by_policy": bool(policy_why),
        "human_reason": policy_why or None,
        "standing": dict(zip(("requester", "department"), map(str, standings), strict=False)),
    }


def build_dry_run(
    engine: Engine, standings: Standings, auth: Authenticator, links: TrackedLinks | None = None
) -> APIRouter:
    api = APIRouter(prefix="/v1/dry-run", tags=["dry run"])
    judge = Judge(engine, links)

    @api.post("", responses=_ERRORS)
    async def dry_run(
        body: PushRequest, who: Annotated[Principal, auth.requires(Role.SUBMITTER)]
    ) -> dict[str, Any]:
        """What the rules would decide about this request; nothing is stored or sent."""
        submits_for_own_tenant(who, body.tenant)
        submitter = requester_is_caller(who, body)
        found = await standings(body.tenant, submitter.user, submitter.department)
        decision = decide(body, await judge.within(body), engine.policy, found)
        return {
            "request_id": body.request_id,
            **answer(decision, needs_human(body, engine.policy, found), found),
        }

    return api
