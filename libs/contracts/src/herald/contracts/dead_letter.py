"""DeadLetter: a message a service could not process, with its original bytes."""

from pydantic import AwareDatetime

from herald.contracts.common import Model


class DeadLetter(Model):
    source_topic: str
    partition: int
    offset: int
    key: str | None
    value_base64: str | None
    error: str
    message: str
    service: str
    at: AwareDatetime
