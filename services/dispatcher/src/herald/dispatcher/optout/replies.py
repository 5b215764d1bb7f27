"""SMS replies that say no: each reply is recorded as before (PgReplies), and an opt-out
keyword (回T, TD, 退订, STOP, UNSUBSCRIBE ..., inbound.is_opt_out) opts every recipient
of the tenant whose profile has that number out of marketing SMS.

The number itself is remembered (`number_opt_outs`, keyed hash): a profile that arrives
later with it, or another profile given it, is opted out as it arrives (`on_profiles`).
Whichever comes first, the reply or the profile, the other finds it.
"""

from collections.abc import Sequence
from datetime import datetime

import structlog

from herald.contracts import Category, Channel, ConsentSource, Recipient
from herald.dispatcher.domain.inbound import InboundReply, is_opt_out
from herald.dispatcher.domain.phones import PhoneKey
from herald.dispatcher.optout.changes import Change, OptOutStore
from herald.dispatcher.optout.flow import OptOuts
from herald.dispatcher.ports import Replies

log = structlog.get_logger(__name__)


class OptOutReplies:
    """A `Replies` that acts on opt-outs after `inner` has recorded the reply."""

    # deliberate declaration: the dependencies main injects, one named parameter each
    def __init__(
        self, inner: Replies, store: OptOutStore, optouts: OptOuts, phone_key: PhoneKey
    ) -> None:
        self._inner, self._store, self._optouts, self._key = inner, store, optouts, phone_key

    async def received(self, reply: InboundReply) -> None:
        await self._inner.received(reply)
        key = self._key(reply.tenant, reply.phone) if is_opt_out(reply.text) else None
        if key is None:
            return
        await self._store.remember_number(reply.tenant, key, reply.provider, reply.at)
        recipients = await self._store.by_phone(reply.tenant, key)
        if not recipients:
            log.info("sms_opt_out_unmatched", tenant=reply.tenant, provider=reply.provider)
        await self._optouts.change(
            [_change(reply.tenant, rid, reply.provider, reply.at) for rid in recipients]
        )

    async def on_profiles(self, profiles: Sequence[tuple[str, str, Recipient | None]]) -> None:
        """Profiles just applied to the consent view: opt out those whose number said no."""
        keyed = [
            (tenant, rid, key)
            for tenant, rid, r in profiles
            if r is not None and (key := self._key(tenant, r.contacts.phone)) is not None
        ]
        found = await self._store.numbers_opted_out(keyed)
        await self._optouts.change([_change(t, rid, p, at) for t, rid, p, at in found])


def _change(tenant: str, recipient_id: str, provider: str, at: datetime) -> Change:
    return Change(tenant, recipient_id, Category.MARKETING, Channel.SMS, False,
                  ConsentSource.SMS_REPLY, at, evidence=f"reply via {provider}")  # fmt: skip
