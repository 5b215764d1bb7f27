"""Dispatcher's Kafka entrypoints: sends, cancels, and the consent view's recipients."""

from collections.abc import Sequence

from faststream.kafka import KafkaRouter

from herald.contracts import Recipient, Topic
from herald.contracts.internal import CancelRequested, Send
from herald.dispatcher.dispatching import Dispatcher
from herald.dispatcher.views import Views
from herald.runtime.consumer import (
    BatchConsumer,
    Received,
    model_decoder,
    optional_model_decoder,
    subscribe,
)
from herald.runtime.dlq import DeadLetters
from herald.runtime.health import Health
from herald.runtime.settings import ServiceSettings


def build_router(
    dispatcher: Dispatcher,
    views: Views,
    dlq: DeadLetters,
    health: Health,
    settings: ServiceSettings,
    consumers: int = 1,
) -> KafkaRouter:
    router = KafkaRouter()

    async def on_sends(items: Sequence[Received[Send]]) -> None:
        await dispatcher.dispatch([i.value for i in items])

    async def on_cancels(items: Sequence[Received[CancelRequested]]) -> None:
        await views.add_cancels([i.value for i in items])

    async def on_recipients(items: Sequence[Received[Recipient | None]]) -> None:
        await views.apply_recipients(
            [
                (i.value.recipient_id if i.value else i.key or "", i.value)
                for i in items
                if i.value is not None or i.key
            ]
        )

    # cancels and consent first: a send behind them in time should see them
    subscribe(
        router,
        Topic.CANCELS,
        BatchConsumer("cancels", model_decoder(CancelRequested), on_cancels, dlq, health),
        group_id="herald-dispatcher-cancels",
        settings=settings,
    )
    subscribe(
        router,
        Topic.RECIPIENTS,
        BatchConsumer("recipients", optional_model_decoder(Recipient), on_recipients, dlq, health),
        group_id="herald-dispatcher-consent",
        settings=settings,
    )
    subscribe(
        router,
        Topic.SENDS,
        BatchConsumer("sends", model_decoder(Send), on_sends, dlq, health),
        group_id="herald-dispatcher",
        settings=settings,
        consumers=consumers,
    )
    return router
