"""The dispatcher's ports: its ledger (deliveries claimed, retries parked, outcomes
recorded), its views of others' events (cancels, consent) and where inbound replies go.
The Postgres adapters are in `adapters`; unit tests use hand-written fakes. (The provider port is
`providers.base.Provider`, beside the providers that implement it; the in-app inbox's is
`providers.inbox.Inbox`.)"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from herald.contracts import Recipient
from herald.contracts.internal import CancelRequested, Outcome, Send
from herald.dispatcher.domain.consent import ConsentRow
from herald.dispatcher.domain.inbound import InboundReply
from herald.dispatcher.domain.lanes import Lane
from herald.dispatcher.domain.outcomes import Later, Progress


@dataclass(frozen=True, slots=True)
class Claim:
    outcome: Outcome | None
    waiting: bool = False
    """A retry of it is parked: the retry loop owns it, not this redelivery."""


class Ledger(Protocol):
    async def claim(self, sends: Sequence[Send]) -> dict[str, Claim]: ...

    async def finish(self, outcomes: Sequence[Outcome]) -> None:
        """Record the outcomes and drop any parked retry of them."""

    async def park(self, later: Sequence[Later]) -> None:
        """Park each send with its lane (`domain.lanes.lane_of`)."""

    async def due(
        self, now: datetime, limit: int, lease: timedelta, lanes: Sequence[Lane]
    ) -> list[tuple[Send, Progress]]:
        """Parked sends of `lanes` due by now, leased (hidden) for `lease` while they run."""


class Views(Protocol):
    async def cancelled(self, keys: set[tuple[str, str]]) -> set[tuple[str, str]]: ...

    async def consent(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], ConsentRow]:
        """The consent view of these (tenant, recipient id)s, where it has one."""
        ...

    async def add_cancels(self, cancels: Sequence[CancelRequested]) -> None: ...

    async def apply_recipients(self, changes: Sequence[tuple[str, str, Recipient | None]]) -> None:
        """(tenant, recipient id, profile or None: erased), each in its own tenant only."""
        ...


class Replies(Protocol):
    """Where inbound replies go (the consent flow decides what they change)."""

    async def received(self, reply: InboundReply) -> None: ...
