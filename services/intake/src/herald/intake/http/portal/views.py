"""What the portal's pages show, from statuses, reports and dry runs. Pure: no I/O."""

import secrets
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from herald.contracts import TERMINAL_STATUSES, Status
from herald.intake.http.portal.charts import Group
from herald.intake.ports import Filed

RECENT = timedelta(minutes=10)
COUNTED = ("recipients", "suppressed", "sent", "delivered", "failed", "opened", "clicked")


def when(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S %Z")


def new_request_id(department: str | None, now: datetime) -> str:
    """A fresh id for the form: `<department>-<yyyymmdd>-<random>` (any valid id works)."""
    stem = "".join(c if c.isalnum() or c in "._-" else "-" for c in (department or "req"))
    return f"{stem[:40]}-{now:%Y%m%d}-{secrets.token_hex(3)}"


def in_flight(status: Status | None) -> bool:
    """Still moving: the page refreshes itself until the request ends."""
    return status is None or status.status not in TERMINAL_STATUSES


def busy(filed: Sequence[Filed], now: datetime) -> bool:
    """Worth reloading the list: a request in flight that moved in the last 10 minutes
    (one scheduled for next week does not keep the list reloading all week)."""
    recent = now - RECENT
    return any(
        in_flight(f.status) and (f.status.at if f.status else f.created_at) > recent for f in filed
    )


def counts(status: Status | None) -> dict[str, int]:
    if status is None or status.counts is None:
        return {}
    found = status.counts.model_dump()
    return {k: found[k] for k in COUNTED if found.get(k) is not None}


def listed(filed: Filed) -> dict[str, Any]:
    return {
        "request_id": filed.request_id,
        "department": filed.department,
        "requester": filed.requester,
        "filed": when(filed.created_at),
        "status": str(filed.status.status) if filed.status else "received",
        "counts": counts(filed.status),
    }


def timeline(history: Sequence[Status]) -> list[dict[str, Any]]:
    """Every status, oldest first: what, when, why, and the counts it carried."""
    return [
        {
            "status": str(s.status),
            "at": when(s.at),
            "iso": s.at.isoformat(),
            "reasons": [{"code": str(r.code), "message": r.message} for r in s.reasons],
            "counts": counts(s),
        }
        for s in history
    ]


def funnel_counts(report: Mapping[str, Any]) -> dict[str, int]:
    """Tracker's figures as the funnel's stages; `read` is deliveries opened or read (the
    numerator of tracker's read rate)."""
    return {
        "sent": int(report.get("sent", 0)),
        "delivered": int(report.get("delivered", 0)),
        "read": int(report.get("opened", 0)),
        "clicked": int(report.get("clicked", 0)),
    }


def groups(by_name: Mapping[str, Mapping[str, Any]]) -> list[Group]:
    """Channels or departments of a report, each as the funnel's stages."""
    return [Group(name, funnel_counts(r)) for name, r in sorted(by_name.items())]


def rows(by_name: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The table beside a grouped chart: the stages and both rates per group."""
    return [
        {
            "name": name,
            **funnel_counts(r),
            "read_rate": _pct(r.get("read_rate")),
            "click_rate": _pct(r.get("click_rate")),
        }
        for name, r in sorted(by_name.items())
    ]


def rate_rows(buckets: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The table beside the chart over time: the buckets that sent anything."""
    return [
        {
            "start": b["start"],
            "sent": b["sent"],
            "delivered": b["delivered"],
            "read_rate": _pct(b["read_rate"]),
            "click_rate": _pct(b["click_rate"]),
        }
        for b in buckets
        if b["sent"]
    ]


def _moment(iso: str | None) -> str | None:
    """An adviser's time for people (`2026-11-27 20:00 UTC`); as given if it is not one."""
    if not iso:
        return None
    try:
        return datetime.fromisoformat(iso).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return iso


def _pct(rate: float | None) -> str:
    return "–" if rate is None else f"{100 * rate:.1f}%"


def dry_run(answer: Mapping[str, Any]) -> dict[str, Any]:
    """A dry run's answer, arranged for the form page."""
    schedule, review = answer.get("schedule", {}), answer.get("review", {})
    suppressed = {k: v for k, v in schedule.get("suppressed", {}).items() if v}
    deferred = {k: v for k, v in schedule.get("deferred", {}).items() if v}
    return {
        "intake": answer.get("intake", {}),
        "decision": review.get("decision", ""),
        "human": review.get("human_required", False),
        "findings": review.get("findings", []),
        "audience": schedule.get("audience", 0),
        "reachable": schedule.get("reachable", 0),
        "suppressed": suppressed,
        "deferred": deferred,
        "would_send": schedule.get("would_send", 0),
        "by_channel": schedule.get("would_send_by_channel", {}),
        "first": _moment(schedule.get("spread", {}).get("first")),
        "last": _moment(schedule.get("spread", {}).get("last")),
        "note": schedule.get("note"),
    }
