"""The development provider: records what would be sent and sends nothing."""

import structlog

from herald.dispatcher.providers.base import Attempt, Message, Provider, Result

log = structlog.get_logger(__name__)


class LogProvider(Provider):
    in_process = True
    """It does no I/O: its calls run without a timeout (delivery.py)."""

    def __init__(self, name: str = "log") -> None:
        self.name = name
        self._sent = Attempt(Result.SENT, name)
        """Its one answer (frozen: shared by every call, not built per send)."""

    async def send(self, message: Message) -> Attempt:
        log.info(
            "would_send",
            delivery_id=message.delivery_id,
            trace_id=message.trace_id,
            channel=str(message.channel),
            title=message.title,
        )
        return self._sent
