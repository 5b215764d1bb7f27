"""Keeping the recipient directory: replace on a new value, erase on a tombstone, drop
the contacts providers reported dead."""

from collections.abc import Sequence

from herald.contracts import Recipient
from herald.contracts.internal import ContactInvalidated
from herald.scheduler.domain.reach import drop_contact
from herald.scheduler.ports import Recipients

Change = tuple[str, str, Recipient | None]
"""(tenant, recipient_id, profile), or (tenant, recipient_id, None) to erase."""


class Directory:
    def __init__(self, store: Recipients) -> None:
        self._store = store

    async def apply(self, changes: Sequence[Change]) -> None:
        """The last change of a (tenant, recipient id) wins. Tenants are apart: a change
        in one tenant never touches another tenant's recipient of the same id."""
        last = {(t, rid): value for t, rid, value in changes}
        profiles = [v for v in last.values() if v is not None]
        erased = [key for key, v in last.items() if v is None]
        await self._store.replace(profiles, erased)

    async def invalidate(self, dead: Sequence[ContactInvalidated]) -> int:
        """Drop contacts providers reported dead; return how many of them were there."""
        dropped = 0
        async with self._store.contacts() as tx:
            contacts = await tx.lock([(d.tenant, d.recipient_id) for d in dead])
            changed = {}
            for d in dead:
                key = (d.tenant, d.recipient_id)
                if key not in contacts:
                    continue
                after = drop_contact(contacts[key], d.channel, d.contact)
                if after != contacts[key]:
                    dropped += 1
                    contacts[key] = changed[key] = after
            await tx.save(changed)
        return dropped
