"""Which recipients a batch of push.recipients.v1 erases, and which it brings back. Pure.

Messages of one key arrive in order on one partition; the last one in the batch decides:
a tombstone (null value) erases the recipient, a profile means the id is in use again.
"""

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RecipientSeen:
    recipient_id: str
    tombstone: bool


def last_word(items: Iterable[RecipientSeen]) -> tuple[list[str], list[str]]:
    """-> (erased, restored), each sorted."""
    final: dict[str, bool] = {}
    for item in items:
        final[item.recipient_id] = item.tombstone
    erased = sorted(r for r, gone in final.items() if gone)
    restored = sorted(r for r, gone in final.items() if not gone)
    return erased, restored
