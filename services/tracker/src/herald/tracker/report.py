"""Report arithmetic: from ledger rows to counts, by channel and in total. Pure."""

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from herald.contracts import Counts

SENT = ("sent", "delivered")


@dataclass
class Tally:
    sent: int = 0
    delivered: int = 0
    failed: int = 0
    opened: int = 0
    read: int = 0
    clicked: int = 0

    def add(self, row: Mapping[str, Any]) -> None:
        if row["outcome"] in SENT:
            self.sent += row["n"]
        if row["outcome"] == "failed":
            self.failed += row["n"]
        self.delivered += row["delivered"]
        self.opened += row["opened"]
        self.read += row["read"]
        self.clicked += row["clicked"]

    def rates(self) -> dict[str, float | None]:
        """Read rate and click rate are over delivered (None until something is delivered)."""
        if not self.delivered:
            return {"read_rate": None, "click_rate": None}
        return {
            "read_rate": round(self.opened / self.delivered, 4),
            "click_rate": round(self.clicked / self.delivered, 4),
        }


@dataclass
class Report:
    recipients: int
    total: Tally = field(default_factory=Tally)
    channels: dict[str, Tally] = field(default_factory=dict)
    suppressed: dict[str, int] = field(default_factory=dict)
    expired: int = 0
    cancelled: int = 0

    def counts(self) -> Counts:
        t = self.total
        return Counts(
            recipients=self.recipients,
            suppressed=sum(self.suppressed.values()),
            sent=t.sent,
            delivered=t.delivered,
            failed=t.failed,
            opened=t.opened,
            clicked=t.clicked,
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "recipients": self.recipients,
            "suppressed": sum(self.suppressed.values()),
            "suppressed_by_reason": self.suppressed,
            "expired": self.expired,
            "cancelled": self.cancelled,
            **asdict(self.total),
            **self.total.rates(),
            "channels": {c: asdict(t) | t.rates() for c, t in sorted(self.channels.items())},
        }


def build_report(recipients: int, rows: Iterable[Mapping[str, Any]]) -> Report:
    report = Report(recipients)
    for row in rows:
        outcome = row["outcome"]
        if outcome == "suppressed":
            reason = row["reason"] or "unknown"
            report.suppressed[reason] = report.suppressed.get(reason, 0) + row["n"]
        elif outcome == "expired":
            report.expired += row["n"]
        elif outcome == "cancelled":
            report.cancelled += row["n"]
        else:
            report.total.add(row)
            report.channels.setdefault(row["channel"], Tally()).add(row)
    return report


def final_status(report: Report) -> str:
    """How a request whose every recipient has an outcome ends."""
    if report.cancelled:
        return "cancelled"
    if report.expired and report.expired == report.recipients - sum(report.suppressed.values()):
        return "expired"
    return "completed"
