"""Outcomes move frequency-cap usage to the channel a send really used.

The dispatcher's outcome (`push.outcomes.v1`) names the channel it used after any
fallback. For each released capped send whose outcome names another channel than the
one its usage is counted on, one transaction locks the recipients' cap rows (key order,
as a release does), re-reads the sends under lock, moves the counts and records the
channel now counted; a redelivered outcome then finds nothing to move.
"""

from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Protocol

import structlog

from herald.contracts.internal import Outcome
from herald.scheduler.domain.caps import Usage
from herald.scheduler.domain.model import RecipientKey
from herald.scheduler.domain.policy import Policies
from herald.scheduler.domain.recount import Counted, moved, used_channels

log = structlog.get_logger(__name__)

Usages = dict[RecipientKey, dict[str, Usage]]


class RecountWork(Protocol):
    async def lock(self, used: Mapping[str, str]) -> tuple[list[Counted], Usages]:
        """The released capped sends among these delivery ids counted on another channel
        than the one used, locked, with their recipients' cap usage, locked."""
        ...

    async def write(self, usage: Usages, counted_on: Mapping[str, str]) -> None:
        """Save the changed usage rows and the channel each send is now counted on."""
        ...


class CapLedger(Protocol):
    def recount(self) -> AbstractAsyncContextManager[RecountWork]: ...


class Recounter:
    def __init__(self, ledger: CapLedger, policies: Policies) -> None:
        self._ledger, self._policies = ledger, policies

    def recounts(self, tenant: str) -> bool:
        """Only per-channel caps move: a tenant without them has nothing to recount."""
        return bool(self._policies.of(tenant).caps.channels)

    async def on_outcomes(self, outcomes: Sequence[Outcome]) -> int:
        """How many sends' counts moved. A tenant without per-channel caps has nothing
        to move (`moved`: the `*` scope never changes), so its outcomes, nearly all of a
        fan-out's, cost no transaction (issue 17)."""
        used = used_channels([o for o in outcomes if self.recounts(o.tenant)])
        if not used:
            return 0
        async with self._ledger.recount() as work:
            sends, usage = await work.lock(used)
            changed: Usages = {}
            for c in sends:
                key = (c.tenant, c.recipient_id)
                mine = usage.setdefault(key, {})
                new = moved(self._policies.of(c.tenant).caps, mine, c, used[c.delivery_id])
                mine.update(new)
                changed.setdefault(key, {}).update(new)
            moves = {c.delivery_id: used[c.delivery_id] for c in sends}
            if moves:
                await work.write(changed, moves)
        if moves:
            log.info("cap_usage_moved_to_used_channel", sends=len(moves))
        return len(moves)
