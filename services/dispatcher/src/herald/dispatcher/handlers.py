"""Dispatcher's Kafka entrypoints: sends (critical ones on their own topic), cancels, and
the consent view's recipients."""

from collections.abc import Awaitable, Callable, Sequence

from faststream.kafka import KafkaRouter

from herald.contracts import Recipient, Topic
from herald.contracts.internal import CancelRequested
from herald.dispatcher.dispatching import Dispatcher
from herald.dispatcher.ports import Views
from herald.runtime.batches import SENDS
from herald.runtime.consumer import Received, optional_model_decoder, tenant_of
from herald.runtime.subscriptions import Consumers

Profile = tuple[str, str, Recipient | None]
"""(tenant, recipient id, profile or None: erased)."""


def build_router(
    consumers: Consumers,
    dispatcher: Dispatcher,
    views: Views,
    send_consumers: int = 1,
    critical_consumers: int = 1,
    on_profiles: Callable[[Sequence[Profile]], Awaitable[None]] | None = None,
    views_consumers: bool = True,
) -> KafkaRouter:
    """`on_profiles` sees each batch of profiles once the consent view has them.
    `views_consumers` False (a critical-only process): the cancels and consent views are
    kept by the bulk process (same groups, same tables), this one only reads them."""

    async def on_recipients(items: Sequence[Received[Recipient | None]]) -> None:
        """A profile, or a tombstone (erased) known by its key, in its producer's tenant."""
        profiles = [
            (tenant_of(i), i.value.recipient_id if i.value else i.key or "", i.value)
            for i in items
            if i.value is not None or i.key
        ]
        await views.apply_recipients(profiles)
        if on_profiles is not None:
            await on_profiles(profiles)

    c = consumers
    # cancels and consent first: a send behind them in time should see them
    if views_consumers:
        cancels = CancelRequested
        c.add_values(Topic.CANCELS, "herald-dispatcher-cancels", cancels, views.add_cancels)
        recipients = optional_model_decoder(Recipient)
        c.add(Topic.RECIPIENTS, "herald-dispatcher-consent", recipients, on_recipients)
    # critical sends in a group of their own: never fetched behind a marketing backlog.
    # 0 consumers of one topic: a deployment for the other lane only (its own process)
    if critical_consumers:
        group, topic = "herald-dispatcher-critical", Topic.SENDS_CRITICAL
        n = critical_consumers
        c.add_unpacked(topic, group, SENDS, dispatcher.dispatch, consumers=n, critical=True)
    if send_consumers:
        group, topic = "herald-dispatcher", Topic.SENDS
        c.add_unpacked(topic, group, SENDS, dispatcher.dispatch, consumers=send_consumers)
    return c.router
