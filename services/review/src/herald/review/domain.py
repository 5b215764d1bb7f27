"""Pure decisions of review. The compliance rules plug in here (see rules/)."""

from dataclasses import dataclass

from herald.contracts import PushRequest, Reason, StatusKind


@dataclass(frozen=True, slots=True)
class Decision:
    state: StatusKind  # APPROVED, REJECTED or PENDING_REVIEW
    reasons: tuple[Reason, ...] = ()


def decide(request: PushRequest) -> Decision:
    """Walking skeleton: every request is approved. The rule engine replaces this."""
    del request
    return Decision(StatusKind.APPROVED)
