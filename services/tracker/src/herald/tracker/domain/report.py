"""Report arithmetic: from ledger rows to counts, by channel and in total. Pure.

Rows come from `queries.BY_CHANNEL` (or its range variant): one per (channel, outcome,
reason) with `n` outcomes and how many of those deliveries were delivered, opened or
read, read, and clicked. Rates are over delivered (docs/contract.md):
read_rate = deliveries with an `opened` or `read` event / delivered,
click_rate = deliveries with a `clicked` event / delivered; None until one is delivered;
unsubscribe_rate = deliveries whose opt-out link was used / sent (an e-mail's delivery is
known only from engagement, so the rate is over what was sent); None until one is sent.
"""

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from herald.contracts import Counts

SENT = ("sent", "delivered")
NOT_SENT = ("suppressed", "expired", "cancelled")


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


# deliberate declaration: one counter per column of a report
@dataclass
class Tally:
    sent: int = 0
    delivered: int = 0
    failed: int = 0
    opened: int = 0
    read: int = 0
    clicked: int = 0
    unsubscribed: int = 0

    def add(self, row: Mapping[str, Any]) -> None:
        if row["outcome"] in SENT:
            self.sent += row["n"]
        if row["outcome"] == "failed":
            self.failed += row["n"]
        self.delivered += row["delivered"]
        self.opened += row["opened"]
        self.read += row["read"]
        self.clicked += row["clicked"]
        self.unsubscribed += row.get("unsubscribed", 0)

    def rates(self) -> dict[str, float | None]:
        return {
            "read_rate": rate(self.opened, self.delivered),
            "click_rate": rate(self.clicked, self.delivered),
            "unsubscribe_rate": rate(self.unsubscribed, self.sent),
        }

    def as_json(self) -> dict[str, Any]:
        return asdict(self) | self.rates()


def _bump(counter: dict[str, int], key: str, n: int) -> None:
    counter[key] = counter.get(key, 0) + n


@dataclass
class ProviderTally(Tally):
    """One provider of one channel: the counts and why its sends failed."""

    failed_by_reason: dict[str, int] = field(default_factory=dict)

    def add(self, row: Mapping[str, Any]) -> None:
        super().add(row)
        if row["outcome"] == "failed":
            _bump(self.failed_by_reason, row["reason"] or "unknown", row["n"])

    def merge(self, other: "ProviderTally") -> None:
        _merge_tally(self, other)
        for k, n in other.failed_by_reason.items():
            _bump(self.failed_by_reason, k, n)

    def as_json(self) -> dict[str, Any]:
        counts = {k: v for k, v in asdict(self).items() if k != "failed_by_reason"}
        return (
            counts
            | self.rates()
            | {"failed_by_reason": dict(sorted(self.failed_by_reason.items()))}
        )


@dataclass
class Report:
    recipients: int
    total: Tally = field(default_factory=Tally)
    channels: dict[str, Tally] = field(default_factory=dict)
    providers: dict[str, dict[str, ProviderTally]] = field(default_factory=dict)
    """Per channel, per provider (rows without a `provider` column add none)."""
    suppressed: dict[str, int] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)
    deferred: dict[str, int] = field(default_factory=dict)
    expired: int = 0
    cancelled: int = 0

    def add(self, row: Mapping[str, Any]) -> None:
        outcome, n = row["outcome"], row["n"]
        if outcome == "suppressed":
            _bump(self.suppressed, row["reason"] or "unknown", n)
        elif outcome == "expired":
            self.expired += n
        elif outcome == "cancelled":
            self.cancelled += n
        else:
            if outcome == "failed":
                _bump(self.failed, row["reason"] or "unknown", n)
            self.total.add(row)
            channel = row["channel"] or "unknown"
            self.channels.setdefault(channel, Tally()).add(row)
            provider = row.get("provider")  # the timeline's rows have none
            if provider is not None:
                mine = self.providers.setdefault(channel, {})
                mine.setdefault(provider or "unknown", ProviderTally()).add(row)

    def add_deferrals(self, rows: Iterable[Mapping[str, Any]]) -> None:
        for row in rows:
            _bump(self.deferred, row["reason"], row["n"])

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
            expired=self.expired,
            cancelled=self.cancelled,
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "recipients": self.recipients,
            "suppressed": sum(self.suppressed.values()),
            "suppressed_by_reason": dict(sorted(self.suppressed.items())),
            "failed_by_reason": dict(sorted(self.failed.items())),
            "deferred_by_reason": dict(sorted(self.deferred.items())),
            "expired": self.expired,
            "cancelled": self.cancelled,
            **self.total.as_json(),
            "channels": {c: t.as_json() for c, t in sorted(self.channels.items())},
            "providers": {
                c: {p: t.as_json() for p, t in sorted(by.items())}
                for c, by in sorted(self.providers.items())
            },
        }


def build_report(
    recipients: int,
    rows: Iterable[Mapping[str, Any]],
    deferrals: Iterable[Mapping[str, Any]] = (),
) -> Report:
    report = Report(recipients)
    for row in rows:
        report.add(row)
    report.add_deferrals(deferrals)
    return report


def build_range_reports(
    rows: Iterable[Mapping[str, Any]],
    deferrals: Iterable[Mapping[str, Any]] = (),
    group: str = "department",
) -> dict[str, Report]:
    """One report per department (or per value of the `group` column, such as a label's
    value); its recipients are the outcomes in the range."""
    by_group: dict[str, Report] = {}
    for row in rows:
        report = by_group.setdefault(row[group], Report(0))
        report.recipients += row["n"]
        report.add(row)
    for row in deferrals:
        by_group.setdefault(row[group], Report(0)).add_deferrals([row])
    return dict(sorted(by_group.items()))


def combine(reports: Iterable[Report]) -> Report:
    """The sum of several reports (a tenant's total over its departments)."""
    out = Report(0)
    for r in reports:
        out.recipients += r.recipients
        out.expired += r.expired
        out.cancelled += r.cancelled
        for mine, theirs in ((out.suppressed, r.suppressed), (out.failed, r.failed)):
            for k, n in theirs.items():
                _bump(mine, k, n)
        for k, n in r.deferred.items():
            _bump(out.deferred, k, n)
        _merge_tally(out.total, r.total)
        for c, t in r.channels.items():
            _merge_tally(out.channels.setdefault(c, Tally()), t)
        for c, by in r.providers.items():
            for p, pt in by.items():
                out.providers.setdefault(c, {}).setdefault(p, ProviderTally()).merge(pt)
    return out


def _merge_tally(into: Tally, other: Tally) -> None:
    for name in ("sent", "delivered", "failed", "opened", "read", "clicked"):
        setattr(into, name, getattr(into, name) + getattr(other, name))


def final_status(report: Report) -> str:
    """How a request whose every recipient has an outcome ends."""
    if report.cancelled:
        return "cancelled"
    if report.expired and report.expired == report.recipients - sum(report.suppressed.values()):
        return "expired"
    return "completed"
