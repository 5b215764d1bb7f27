"""Publishing recipients on push.recipients.v1 as Herald writing for one tenant."""

from collections.abc import Mapping, Sequence

from herald.contracts import Recipient, Topic
from herald.runtime.events import KafkaEventBus
from herald.runtime.provenance import RecordSigner


class KafkaRecipientPublisher:
    """Profiles keyed by recipient id, tombstones (null) to erase; each record signed as
    `herald@<tenant>` so the consumers act in that tenant only."""

    def __init__(self, events: KafkaEventBus, record_keys: Mapping[str, bytes]) -> None:
        self._events = events
        self._keys = record_keys
        self._signers: dict[str, RecordSigner] = {}

    def _signer(self, tenant: str) -> RecordSigner:
        found = self._signers.get(tenant)
        if found is None:
            found = self._signers[tenant] = RecordSigner.herald_for(self._keys, tenant)
        return found

    async def upsert(self, tenant: str, recipients: Sequence[Recipient]) -> None:
        items = [(r.recipient_id, r) for r in recipients]
        await self._events.publish_many(Topic.RECIPIENTS, items, signer=self._signer(tenant))

    async def erase(self, tenant: str, recipient_id: str) -> None:
        signer = self._signer(tenant)
        await self._events.publish_many(Topic.RECIPIENTS, [(recipient_id, None)], signer=signer)
