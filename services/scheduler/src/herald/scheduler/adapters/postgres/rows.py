"""Postgres rows into the domain's records, and the directory's column list."""

from collections.abc import Iterable
from typing import Any

from herald.contracts import QuietHours, Recipient
from herald.scheduler.domain.caps import Usage
from herald.scheduler.domain.model import Due, Member, Plan, PlanState, Timer

RECIPIENT = (
    "recipient_id, tenant, timezone, locale, contacts, tags, consent, quiet_hours, attributes"
)
"""The columns of `scheduler.recipients` a Recipient is read from and written to."""

PLAN = "state, cursor, expanded, recipients, suppressed, complete, dispatching_at"

TIMER = """t.delivery_id, t.tenant AS t_tenant, t.request_id, t.recipient_id AS t_recipient_id,
        t.due_at, t.expires_at, t.priority, t.category, t.lane, t.deferred"""
"""A timer's columns (aliased apart from the recipient's) when joined to its recipient."""


def plan_of(row: Any) -> Plan:
    return Plan(
        PlanState(row["state"]),
        row["cursor"] or "",
        row["expanded"],
        row["recipients"],
        row["suppressed"],
        row["complete"],
        row["dispatching_at"] is not None,
    )


def member_of(row: Any) -> Member:
    quiet = row["quiet_hours"]
    return Member(
        row["recipient_id"],
        row["reason"],
        tuple(row["channels"]),
        row["timezone"],
        QuietHours.model_validate(quiet) if quiet else None,
    )


def due_of(row: Any) -> Due:
    """A timer row joined to its recipient's row (absent when the recipient is erased)."""
    timer = Timer(
        row["delivery_id"],
        row["t_tenant"],
        row["request_id"],
        row["t_recipient_id"],
        row["due_at"],
        row["expires_at"],
        row["priority"],
        row["category"],
        row["lane"],
        tuple(row["deferred"]),
    )
    known = row["recipient_id"] is not None
    return Due(timer, Recipient.model_validate(dict(row)) if known else None)


def usage_of(rows: Iterable[Any]) -> dict[tuple[str, str], dict[str, Usage]]:
    """Cap usage rows by (tenant, recipient_id) and scope."""
    out: dict[tuple[str, str], dict[str, Usage]] = {}
    for r in rows:
        key = (r["tenant"], r["recipient_id"])
        out.setdefault(key, {})[r["scope"]] = Usage(r["day"], r["sent"], r["last_at"])
    return out
