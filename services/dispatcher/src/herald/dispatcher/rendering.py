"""From a send to the message one channel carries: per-channel variants first."""

from herald.contracts import Channel
from herald.contracts.internal import Send
from herald.dispatcher.providers.base import Message


def render(send: Send, channel: Channel) -> Message:
    variant = send.content.variants.get(channel)
    title = (variant.title if variant and variant.title else None) or send.content.title
    body = (variant.body if variant and variant.body else None) or send.content.body
    return Message(
        delivery_id=send.delivery_id,
        request_id=send.request_id,
        tenant=send.tenant,
        recipient_id=send.recipient_id,
        channel=channel,
        contacts=send.contacts,
        title=title,
        body=body,
        url=send.content.url,
        labels=send.labels,
    )
