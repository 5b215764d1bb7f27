"""Pure decisions of intake: what makes a request acceptable. No I/O here."""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from herald.contracts import (
    TERMINAL_STATUSES,
    FieldError,
    PushRequest,
    ReasonCode,
    Status,
    describe_validation_error,
)
from herald.contracts.internal import Standing, Submitter
from herald.intake.personalisation import check_personalisation


# deliberate declaration: what intake answers a submission
class Verdict(StrEnum):
    """What intake answers a submission (not the contract's delivery Outcome)."""

    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    CONFLICT = "conflict"
    REJECTED = "rejected"


# deliberate declaration: what intake.requests keeps of a request, field by field
@dataclass(frozen=True, slots=True)
class RequestRecord:
    """What intake keeps of a request: enough to know a resubmission, its source and who
    submitted it. `requester` and `department` are the submitter's (the credential's);
    in records from before submitters existed, the body's."""

    tenant: str
    request_id: str
    body_sha256: str
    department: str
    requester: str
    trace_id: str
    received_via: str
    source: str
    emitted: bool = False
    status: Status | None = None
    credential: str = ""
    """The API key id or Kafka producer id the request came with ("" before it was kept)."""

    @property
    def submitter(self) -> Submitter:
        return Submitter(
            user=self.requester,
            department=self.department,
            credential=self.credential,
            via=self.received_via,
        )


@dataclass(frozen=True, slots=True)
class Invalid:
    errors: list[FieldError]
    request_id: str | None = None
    tenant: str | None = None
    too_large: bool = False

    @property
    def message(self) -> str:
        return "; ".join(map(str, self.errors))


@dataclass(frozen=True, slots=True)
class Limits:
    max_payload_bytes: int
    tenants: frozenset[str]
    send_at_grace: timedelta
    now: datetime = field(compare=False, default=datetime.min)


def _identity(raw: bytes) -> tuple[str | None, str | None]:
    """Best effort: the request id and tenant of a payload that failed validation."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None, None
    if not isinstance(data, dict):
        return None, None
    rid, tenant = data.get("request_id"), data.get("tenant")
    return (rid if isinstance(rid, str) else None, tenant if isinstance(tenant, str) else None)


def parse_request(raw: bytes, limits: Limits) -> PushRequest | Invalid:
    """Check size, JSON, the contract's schema and intake's own rules."""
    if len(raw) > limits.max_payload_bytes:
        limit = limits.max_payload_bytes
        return Invalid(
            [FieldError("", f"payload is {len(raw)} bytes, the limit is {limit}")],
            *_identity(raw),
            too_large=True,
        )
    try:
        request = PushRequest.model_validate_json(raw)
    except ValidationError as exc:
        rid, tenant = _identity(raw)
        return Invalid(describe_validation_error(exc), rid, tenant)
    errors = check_rules(request, limits)
    if errors:
        return Invalid(errors, request.request_id, request.tenant)
    return request


def check_rules(request: PushRequest, limits: Limits) -> list[FieldError]:
    errors = []
    if request.tenant not in limits.tenants:
        errors.append(
            FieldError("tenant", "this deployment does not serve that tenant", request.tenant)
        )
    schedule = request.schedule
    if schedule and schedule.send_at and schedule.send_at < limits.now - limits.send_at_grace:
        errors.append(
            FieldError("schedule.send_at", "is in the past", schedule.send_at.isoformat())
        )
    if schedule and schedule.expires_at and schedule.expires_at <= limits.now:
        errors.append(
            FieldError("schedule.expires_at", "is in the past", schedule.expires_at.isoformat())
        )
    return errors + check_personalisation(request)


def body_hash(request: PushRequest) -> str:
    """The same request resubmitted hashes the same, whatever its key order or spacing.
    A request made from a stored template hashes as submitted (without the content and
    version intake filled in): resent after a newer version was published, it is the
    same request, not a conflict."""
    canonical: Any = request.model_dump(mode="json")
    if request.template is not None:
        canonical.pop("content", None)
        canonical["template"] = request.template.model_dump(
            mode="json", exclude={"used_version", "used_locale"}
        )
    return hashlib.sha256(
        json.dumps(canonical, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


def restriction(request: PushRequest, requester: Standing, department: Standing) -> str | None:
    """Why the requester may not submit this request, if they may not."""
    worst = max((requester, department), key=_SEVERITY.__getitem__)
    if worst == Standing.BANNED:
        return f"{_who(requester, department, worst)} is banned"
    if worst == Standing.RESTRICTED and request.category != "transactional":
        return f"{_who(requester, department, worst)} is restricted to transactional pushes"
    return None


_SEVERITY = {Standing.GOOD: 0, Standing.WARNED: 1, Standing.RESTRICTED: 2, Standing.BANNED: 3}


def _who(requester: Standing, department: Standing, worst: Standing) -> str:
    return "the requester" if requester == worst else "the department"


def dry_run_view(
    request: PushRequest, existing: RequestRecord | None, why_restricted: str | None
) -> dict[str, Any]:
    """What intake itself would answer a submission, from reads only (a dry run)."""
    if existing is not None and existing.body_sha256 != body_hash(request):
        return _view(
            Verdict.CONFLICT, ReasonCode.DUPLICATE, "submitted before with a different body"
        )
    if existing is not None:
        return _view(
            Verdict.DUPLICATE, ReasonCode.DUPLICATE, "submitted before; nothing more is sent"
        )
    if why_restricted is not None:
        return _view(Verdict.REJECTED, ReasonCode.REQUESTER_RESTRICTED, why_restricted)
    return {"outcome": str(Verdict.ACCEPTED), "reasons": []}


def _view(verdict: Verdict, code: ReasonCode, message: str) -> dict[str, Any]:
    return {"outcome": str(verdict), "reasons": [{"code": str(code), "message": message}]}


def replaces(new: Status, old: Status | None) -> bool:
    """Whether `new` is the request's current status rather than `old`. Statuses come
    from several services and may arrive out of order: a final status outranks any
    other whatever the clocks say; otherwise the later `at` wins (a tie, the later
    arrival). Mirrored in SQL by the Postgres adapter's `apply_statuses`."""
    if old is None:
        return True
    new_final, old_final = new.status in TERMINAL_STATUSES, old.status in TERMINAL_STATUSES
    if new_final != old_final:
        return new_final
    return new.at >= old.at
