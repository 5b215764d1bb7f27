"""SMS replies that say no: each reply is recorded as before (PgReplies), and an opt-out
keyword (回T, TD, 退订, STOP, UNSUBSCRIBE ..., inbound.is_opt_out) opts every recipient
of the tenant whose profile has that number out of marketing SMS.

A number no profile in the consent view has is recorded (dispatcher.replies) and logged
as `sms_opt_out_unmatched`, but changes no one's consent.
"""

import structlog

from herald.contracts import Category, Channel, ConsentSource
from herald.dispatcher.domain.phones import PhoneKey
from herald.dispatcher.inbound import InboundReply, Replies, is_opt_out
from herald.dispatcher.optout.changes import Change, OptOutStore
from herald.dispatcher.optout.flow import OptOuts

log = structlog.get_logger(__name__)


class OptOutReplies:
    """A `Replies` that acts on opt-outs after `inner` has recorded the reply."""

    def __init__(
        self, inner: Replies, store: OptOutStore, optouts: OptOuts, phone_key: PhoneKey
    ) -> None:
        self._inner, self._store, self._optouts, self._key = inner, store, optouts, phone_key

    async def received(self, reply: InboundReply) -> None:
        await self._inner.received(reply)
        key = self._key(reply.tenant, reply.phone) if is_opt_out(reply.text) else None
        if key is None:
            return
        recipients = await self._store.by_phone(reply.tenant, key)
        if not recipients:
            log.info("sms_opt_out_unmatched", tenant=reply.tenant, provider=reply.provider)
            return
        await self._optouts.change(
            [
                Change(reply.tenant, rid, Category.MARKETING, Channel.SMS, False,
                       ConsentSource.SMS_REPLY, reply.at, evidence=f"reply via {reply.provider}")
                for rid in recipients
            ]
        )  # fmt: skip
