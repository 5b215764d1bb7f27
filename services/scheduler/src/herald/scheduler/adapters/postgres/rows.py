"""Postgres rows into the domain's records, and the directory's column list."""

from collections.abc import Iterable
from typing import Any

from herald.contracts import QuietHours
from herald.scheduler.domain.caps import Usage
from herald.scheduler.domain.model import Member, Plan, PlanState

RECIPIENT = (
    "recipient_id, tenant, timezone, locale, contacts, tags, consent, quiet_hours, attributes"
)
"""The columns of `scheduler.recipients` a Recipient is read from and written to."""

PLAN = "state, cursor, expanded, recipients, suppressed, complete, dispatching_at"


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


def usage_of(rows: Iterable[Any]) -> dict[tuple[str, str], dict[str, Usage]]:
    """Cap usage rows by (tenant, recipient_id) and scope."""
    out: dict[tuple[str, str], dict[str, Usage]] = {}
    for r in rows:
        key = (r["tenant"], r["recipient_id"])
        out.setdefault(key, {})[r["scope"]] = Usage(r["day"], r["sent"], r["last_at"])
    return out
