"""An in-memory OptOutStore and reply recorder for the opt-out flow's unit tests."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from herald.dispatcher.domain.inbound import InboundReply
from herald.dispatcher.optout.changes import Cell, Change


@dataclass
class FakeOptOuts:
    cells: dict[tuple[str, str], set[Cell]] = field(default_factory=dict)
    audit: list[tuple[str, Change]] = field(default_factory=list)
    phones: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    """(tenant, phone key) -> recipient ids whose profile has that number."""
    numbers: dict[tuple[str, str], tuple[str, datetime]] = field(default_factory=dict)
    announced_ids: set[str] = field(default_factory=set)

    async def apply(self, changes: Sequence[Change]) -> list[tuple[str, Change]]:
        applied = []
        for c in changes:
            mine = self.cells.setdefault((c.tenant, c.recipient_id), set())
            cell = (str(c.category), str(c.channel))
            if (cell in mine) == (not c.allowed):
                continue
            (mine.discard if c.allowed else mine.add)(cell)
            applied.append((f"consent-{len(self.audit)}", c))
            self.audit.append(applied[-1])
        return applied

    async def announced(self, event_ids: Sequence[str]) -> None:
        self.announced_ids.update(event_ids)

    async def unannounced(self, older_than_s: float, limit: int) -> list[tuple[str, Change]]:
        return [a for a in self.audit if a[0] not in self.announced_ids][:limit]

    async def opted_out(self, tenant: str, recipient_id: str) -> frozenset[Cell]:
        return frozenset(self.cells.get((tenant, recipient_id), set()))

    async def remember_number(
        self, tenant: str, phone_key: str, provider: str, at: datetime
    ) -> None:
        self.numbers.setdefault((tenant, phone_key), (provider, at))

    async def numbers_opted_out(
        self, profiles: Sequence[tuple[str, str, str]]
    ) -> list[tuple[str, str, str, datetime]]:
        return [(t, rid, *self.numbers[(t, k)]) for t, rid, k in profiles if (t, k) in self.numbers]

    async def by_phone(self, tenant: str, phone_key: str) -> list[str]:
        return self.phones.get((tenant, phone_key), [])


@dataclass
class RecordedReplies:
    seen: list[InboundReply] = field(default_factory=list)

    async def received(self, reply: InboundReply) -> None:
        self.seen.append(reply)
