"""Monthly range partitions of the ledger: names, bounds and what to create or drop. Pure.

Partition names are built only from the year and month computed here (never from input),
so they are safe to put into DDL as identifiers.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

PARTITIONED = ("outcomes", "engagement")
_NAME = re.compile(r"^(outcomes|engagement)_p(\d{4})(\d{2})$")


@dataclass(frozen=True, slots=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def of(cls, at: datetime) -> "Month":
        utc = at.astimezone(UTC)
        return cls(utc.year, utc.month)

    def next(self) -> "Month":
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def plus(self, months: int) -> "Month":
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        return self.next().start

    def partition(self, table: str) -> str:
        if table not in PARTITIONED:
            raise ValueError(f"not a partitioned table: {table}")
        return f"{table}_p{self.year:04d}{self.month:02d}"


def parse_partition(name: str) -> tuple[str, Month] | None:
    """`outcomes_p202611` -> ("outcomes", Month(2026, 11)); anything else -> None."""
    found = _NAME.match(name)
    if not found:
        return None
    month = int(found.group(3))
    if not 1 <= month <= 12:
        return None
    return found.group(1), Month(int(found.group(2)), month)


def horizon(now: datetime, retention_days: int) -> datetime:
    """Everything before this instant is gone (or about to go): the start of the oldest
    month that still holds data younger than the retention period."""
    return Month.of(now - timedelta(days=retention_days)).start


def months_to_keep_ready(now: datetime, ahead: int) -> list[Month]:
    """This month and `ahead` more, created before any data needs them."""
    first = Month.of(now)
    return [first.plus(i) for i in range(ahead + 1)]


def months_to_drop(existing: Iterable[Month], now: datetime, retention_days: int) -> list[Month]:
    """Months whose every row is older than the retention period."""
    edge = horizon(now, retention_days)
    return sorted(m for m in set(existing) if m.end <= edge)


def months_of(times: Iterable[datetime]) -> set[Month]:
    return {Month.of(t) for t in times}
