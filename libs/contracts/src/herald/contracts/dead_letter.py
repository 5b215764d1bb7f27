"""DeadLetter: a message a service could not process, with its original bytes."""

from pydantic import AwareDatetime, Field

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
    headers: dict[str, str] = Field(default_factory=dict)
    """The original record's headers, each value base64 (added in v1): a replay restores
    them, its producer's signature included, so the replayed record verifies as the
    original did."""
