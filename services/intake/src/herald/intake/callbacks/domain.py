"""Subscriptions and the events delivered to them: who gets what. Pure: no I/O.

A subscription belongs to a tenant and is either tenant-wide or one department's. An
event is a request's status (`status`) or a change of a person's or department's
standing (`standing`); it goes to every subscription of its tenant that asked for its
type and, for a department's subscription, only if it is that department's (names
compared folded, as everywhere: `herald.runtime.identity`). Each event has one id,
the same for every subscription and every try (receivers drop repeats by it).
"""

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import httpx

from herald.contracts import Status
from herald.contracts.internal import StandingChanged
from herald.runtime.auth import Principal, Role
from herald.runtime.identity import same_person

MAX_URL = 2048


# deliberate declaration: the values stored in callback_subscriptions.scope
class Scope(StrEnum):
    TENANT = "tenant"
    DEPARTMENT = "department"


# deliberate declaration: the event types a subscription names (the public API's)
class EventType(StrEnum):
    STATUS = "status"
    STANDING = "standing"


# deliberate declaration: a stored subscription, field by field (views.SubscriptionOut is its public
# view)
@dataclass(frozen=True, slots=True)
class Subscription:
    id: str
    tenant: str
    scope: Scope
    department: str | None
    url: str
    events: tuple[EventType, ...]
    secret: str
    created_by: str
    created_at: datetime
    active: bool = True
    disabled_reason: str | None = None
    failures: int = 0
    previous_secret: str | None = None
    previous_until: datetime | None = None

    def wants(self, event: "Event") -> bool:
        if self.tenant != event.tenant or event.type not in self.events:
            return False
        if self.scope == Scope.TENANT:
            return True
        return bool(self.department and event.department) and same_person(
            self.department or "", event.department or ""
        )

    def secrets(self, now: datetime) -> list[str]:
        """The secrets a body is signed with now: the current one, and the one it
        replaced while its grace period lasts."""
        if self.previous_secret and self.previous_until and now < self.previous_until:
            return [self.secret, self.previous_secret]
        return [self.secret]


def may_manage(who: Principal, sub: Subscription) -> bool:
    """Admins manage their tenant's subscriptions; a submitter those of their department."""
    if who.tenant != sub.tenant:
        return False
    if who.role == Role.ADMIN:
        return True
    return (
        who.role == Role.SUBMITTER
        and sub.scope == Scope.DEPARTMENT
        and who.department is not None
        and same_person(who.department, sub.department or "")
    )


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    type: EventType
    tenant: str
    department: str | None
    """Whose it is: the request's submitter's department, or the standing subject's."""
    subject: str
    """What its order is kept within: `request:<id>`, or `<kind>:<subject>`."""
    label: str
    """The status or standing it announces (for listings)."""
    body: bytes


@dataclass(frozen=True, slots=True)
class Queued:
    subscription_id: str
    event: Event


def _event_id(*parts: str) -> str:
    return "evt_" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def _body(kind: EventType, event_id: str, data: dict[str, Any]) -> bytes:
    wrapped = {"type": str(kind), "id": event_id, "data": data}
    return json.dumps(wrapped, ensure_ascii=False, separators=(",", ":")).encode()


def status_event(status: Status, department: str | None) -> Event:
    kind = EventType.STATUS
    eid = _event_id(kind, status.tenant, status.request_id, status.status)
    body = _body(kind, eid, status.model_dump(mode="json"))
    subject = f"request:{status.request_id}"
    return Event(eid, kind, status.tenant, department, subject, str(status.status), body)


def standing_event(change: StandingChanged, department: str | None) -> Event:
    kind = EventType.STANDING
    c = change
    eid = _event_id(kind, c.tenant, c.subject_kind, c.subject, c.standing, c.at.isoformat())
    data = c.model_dump(mode="json") | {"department": department}
    subject = f"{c.subject_kind}:{c.subject}"
    return Event(eid, kind, c.tenant, department, subject, str(c.standing), _body(kind, eid, data))


def fan_out(events: Iterable[Event], subscriptions: Sequence[Subscription]) -> list[Queued]:
    """One delivery per event and subscription that wants it, in the events' order."""
    return [Queued(s.id, e) for e in events for s in subscriptions if s.wants(e)]


def url_problem(url: str, allow_http: bool) -> str | None:
    """Why a callback URL cannot be registered (before its addresses are checked)."""
    if len(url) > MAX_URL:
        return f"is longer than {MAX_URL} characters"
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError):
        return "is not a valid URL"
    schemes = ("https", "http") if allow_http else ("https",)
    if parsed.scheme not in schemes:
        return "must be https" if not allow_http else "must be http(s)"
    if not parsed.host:
        return "has no host"
    if parsed.userinfo:
        return "must not carry a user name or password (use the signature to authenticate)"
    return None
