"""The violations board's policy (`violations` in the review policy file): what is shown
to whom. Reloaded with the policy file, like the rules' knobs."""

from pydantic import BaseModel, ConfigDict, Field

from herald.runtime.auth import Role

_STAFF = (Role.REVIEWER, Role.ADMIN)


class ViolationsPolicy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    visible_to: tuple[Role, ...] = _STAFF
    """Roles that see the board at all (`GET /v1/violations`, the console's page)."""
    other_departments: bool = False
    """Whether a department's people (submitters, viewers) see other departments' subjects;
    reviewers and admins always see every department of their tenant."""
    request_ids_to: tuple[Role, ...] = _STAFF
    """Roles shown the request ids behind each strike."""
    excerpts_to: tuple[Role, ...] = _STAFF
    """Roles shown an excerpt of each struck request's content."""
    excerpt_chars: int = Field(default=60, ge=0, le=500)
