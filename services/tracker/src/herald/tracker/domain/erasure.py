"""Which recipients a batch of push.recipients.v1 erases, and which it brings back. Pure.

Messages of one key arrive in order on one partition; the last one in the batch decides:
a tombstone (null value) erases the recipient, a profile means the id is in use again.
A recipient is a tenant's own: each is known by (tenant, recipient id).
"""

from collections.abc import Iterable
from dataclasses import dataclass

RecipientKey = tuple[str, str]
"""(tenant, recipient id)"""


@dataclass(frozen=True, slots=True)
class RecipientSeen:
    tenant: str
    recipient_id: str
    tombstone: bool


def last_word(items: Iterable[RecipientSeen]) -> tuple[list[RecipientKey], list[RecipientKey]]:
    """-> (erased, restored), each sorted."""
    final: dict[RecipientKey, bool] = {}
    for item in items:
        final[(item.tenant, item.recipient_id)] = item.tombstone
    erased = sorted(r for r, gone in final.items() if gone)
    restored = sorted(r for r, gone in final.items() if not gone)
    return erased, restored
