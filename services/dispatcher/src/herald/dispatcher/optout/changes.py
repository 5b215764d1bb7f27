"""A consent change a recipient made through Herald, and where changes are kept. Pure."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from herald.contracts import Category, Channel, ConsentSource

CHANNELS = (Channel.EMAIL, Channel.SMS, Channel.APP_PUSH, Channel.IN_APP, Channel.SOCIAL)
"""The channels a recipient chooses between (webhooks are systems, not people)."""


@dataclass(frozen=True, slots=True)
class Change:
    tenant: str
    recipient_id: str
    category: Category
    channel: Channel
    allowed: bool
    source: ConsentSource
    at: datetime
    delivery_id: str | None = None
    evidence: str = ""
    """How: the message whose link was used, or the reply's provider."""


Cell = tuple[str, str]
"""(category, channel) as stored."""


class OptOutStore(Protocol):
    async def apply(self, changes: Sequence[Change]) -> list[tuple[str, Change]]:
        """Apply and audit in one transaction; the changes that changed something, each
        with the event id its audit row has."""
        ...

    async def announced(self, event_ids: Sequence[str]) -> None:
        """Mark these applied changes as published on push.consent.v1."""
        ...

    async def unannounced(self, older_than_s: float, limit: int) -> list[tuple[str, Change]]:
        """Applied changes never marked announced, recorded over `older_than_s` ago, oldest
        first, each with its event id."""
        ...

    async def opted_out(self, tenant: str, recipient_id: str) -> frozenset[Cell]: ...

    async def remember_number(
        self, tenant: str, phone_key: str, provider: str, at: datetime
    ) -> None: ...

    async def numbers_opted_out(
        self, profiles: Sequence[tuple[str, str, str]]
    ) -> list[tuple[str, str, str, datetime]]: ...

    async def by_phone(self, tenant: str, phone_key: str) -> list[str]:
        """The recipient ids whose profile has this number (keyed hash)."""
        ...


def choices(
    tenant: str,
    recipient_id: str,
    current: frozenset[Cell],
    wanted: frozenset[Cell],
    categories: Sequence[Category],
    at: datetime,
) -> list[Change]:
    """The changes that bring `current` opt-outs to `wanted` ones (preference centre)."""
    out = []
    for category in categories:
        for channel in CHANNELS:
            cell = (str(category), str(channel))
            if (cell in current) != (cell in wanted):
                out.append(
                    Change(tenant, recipient_id, category, channel, cell in current,
                           ConsentSource.PREFERENCES, at, evidence="preference centre")
                )  # fmt: skip
    return out
