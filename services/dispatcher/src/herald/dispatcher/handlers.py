"""Dispatcher's Kafka entrypoint."""

from collections.abc import Sequence

from faststream.kafka import KafkaRouter

from herald.contracts import Topic
from herald.contracts.internal import Send
from herald.dispatcher.dispatching import Dispatcher
from herald.runtime.consumer import BatchConsumer, Received, model_decoder, subscribe
from herald.runtime.dlq import DeadLetters
from herald.runtime.health import Health
from herald.runtime.settings import ServiceSettings


def build_router(
    dispatcher: Dispatcher, dlq: DeadLetters, health: Health, settings: ServiceSettings
) -> KafkaRouter:
    router = KafkaRouter()

    async def on_sends(items: Sequence[Received[Send]]) -> None:
        await dispatcher.dispatch([i.value for i in items])

    consumer = BatchConsumer("sends", model_decoder(Send), on_sends, dlq, health)
    subscribe(router, Topic.SENDS, consumer, group_id="herald-dispatcher", settings=settings)
    return router
