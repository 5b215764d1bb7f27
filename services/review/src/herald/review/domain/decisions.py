"""Findings and policy in, a decision out; a reviewer's decision and its reasons."""

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from herald.contracts import PushRequest, Reason, ReasonCode, StatusKind
from herald.contracts.internal import Standing
from herald.review.engine.findings import Finding, Severity
from herald.review.policy import HumanReviewRule, Policy


@dataclass(frozen=True, slots=True)
class Decision:
    state: StatusKind  # APPROVED, REJECTED or PENDING_REVIEW
    reasons: tuple[Reason, ...] = ()
    findings: tuple[Finding, ...] = ()
    why: str = ""
    """For the audit log: why a clean request still went to a human."""


def recipients_of(request: PushRequest) -> int | None:
    """How many recipients the audience names; None when a segment or `all` decides."""
    recipients = request.audience.recipients
    return len(recipients) if recipients is not None else None


def _matches(rule: HumanReviewRule, request: PushRequest) -> bool:
    if rule.tenant not in ("*", request.tenant):
        return False
    if rule.category not in ("*", request.category):
        return False
    count = recipients_of(request)
    return count is None or count >= rule.min_recipients


def needs_human(request: PushRequest, policy: Policy, standings: tuple[Standing, ...]) -> str:
    """Why policy sends this request to a human ("" if it does not)."""
    for rule in policy.human_review:
        if _matches(rule, request):
            return f"policy requires a human for {rule.category} pushes of tenant {rule.tenant}" + (
                f" to {rule.min_recipients} or more recipients" if rule.min_recipients else ""
            )
    for standing in standings:
        if request.category in policy.standing_review.get(standing, ()):
            return f"the requester or department is {standing}"
    return ""


def reasons(findings: list[Finding]) -> tuple[Reason, ...]:
    """One reason per finding, except terms: one per category and field, as the contract
    shows (`matched 2 terms in category gambling`). The learned second opinion
    (`plain_wording`) quotes no term: its evidence is the model and its score."""
    out: list[Reason] = []
    for f in findings:
        detail: dict[str, Any] = {"field": f.field, "rule": f.rule, "severity": str(f.severity)}
        if f.code == ReasonCode.SENSITIVE_CONTENT and f.rule == "sensitive_terms":
            detail |= {"terms": f.evidence.split(", "), "category": f.category}
        elif f.evidence:
            detail["evidence"] = f.evidence
            if f.category:  # the learned second opinion: the category it leans to
                detail["category"] = f.category
        out.append(Reason(code=f.code, message=f.message, detail=detail))
    return tuple(out)


def decide(
    request: PushRequest,
    findings: list[Finding],
    policy: Policy,
    standings: tuple[Standing, ...] = (),
) -> Decision:
    by: dict[Severity, list[Finding]] = defaultdict(list)
    for f in findings:
        by[f.severity].append(f)
    blocking, holding = by[Severity.BLOCK], by[Severity.HOLD]
    everything = tuple(findings)
    if blocking:
        return Decision(StatusKind.REJECTED, reasons(blocking + holding), everything)
    if holding:
        return Decision(StatusKind.PENDING_REVIEW, reasons(holding), everything)
    why = needs_human(request, policy, standings)
    if why:
        return Decision(StatusKind.PENDING_REVIEW, (), everything, why)
    return Decision(StatusKind.APPROVED, (), everything)


@dataclass(frozen=True, slots=True)
class HumanDecision:
    approve: bool
    reviewer: str
    note: str = ""

    @property
    def state(self) -> StatusKind:
        return StatusKind.APPROVED if self.approve else StatusKind.REJECTED


def human_reasons(decision: HumanDecision) -> tuple[Reason, ...]:
    if decision.approve:
        return ()
    message = decision.note or "rejected by a reviewer"
    return (Reason(code=ReasonCode.REVIEWER_REJECTED, message=message[:2000]),)
