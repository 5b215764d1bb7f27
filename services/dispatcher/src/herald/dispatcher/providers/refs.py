"""The vendor's id of a sent message, kept so its later delivery receipt finds the delivery.

Tencent Cloud's status callbacks carry only the vendor's `sid` (the `SerialNo` it gave
when it took the message), so the provider remembers sid -> delivery id. Alibaba echoes
our `OutId` (the delivery id) and needs nothing stored.
"""

from typing import Protocol


class Refs(Protocol):
    async def remember(self, provider: str, ref: str, delivery_id: str) -> None: ...

    async def delivery(self, provider: str, ref: str) -> str | None: ...


class MemoryRefs:
    """For tests and for deployments without callbacks."""

    def __init__(self) -> None:
        self.known: dict[tuple[str, str], str] = {}

    async def remember(self, provider: str, ref: str, delivery_id: str) -> None:
        self.known[(provider, ref)] = delivery_id

    async def delivery(self, provider: str, ref: str) -> str | None:
        return self.known.get((provider, ref))
