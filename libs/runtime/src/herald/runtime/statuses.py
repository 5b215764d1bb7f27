"""Statuses, one way: every service builds the Status it publishes on push.status.v1 here.

A status is about a request (its id, tenant and labels: a PushRequest is one, and so is
anything that keeps those three; a request made from a stored template adds the exact
version). It is published under the request's id with the
request's trace id in its headers (`trace_headers`), as every other hop is.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from herald.contracts import Counts, Reason, Status, StatusKind
from herald.contracts.templates import TemplateRef


class Subject(Protocol):
    """What a status is about."""

    @property
    def request_id(self) -> str: ...

    @property
    def tenant(self) -> str: ...

    @property
    def labels(self) -> dict[str, str]: ...


@dataclass(frozen=True, slots=True)
class RequestRef:
    """A request known only by its id and tenant (e.g. one that failed validation)."""

    request_id: str
    tenant: str
    labels: dict[str, str] = field(default_factory=dict)


def status_of(
    subject: Subject,
    kind: StatusKind,
    at: datetime,
    *,
    reasons: Sequence[Reason] = (),
    counts: Counts | None = None,
) -> Status:
    return Status(
        request_id=subject.request_id,
        tenant=subject.tenant,
        status=kind,
        at=at,
        reasons=tuple(reasons),
        counts=counts,
        labels=subject.labels,
        template=_template_of(subject),
    )


def _template_of(subject: Subject) -> TemplateRef | None:
    """The exact stored template version a request was made from, if it names one (a
    PushRequest resolved by intake does; other subjects have no `template`)."""
    use = getattr(subject, "template", None)
    version = getattr(use, "used_version", None)
    if use is None or version is None:
        return None
    return TemplateRef(name=use.name, version=version)
