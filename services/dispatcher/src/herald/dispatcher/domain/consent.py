"""Consent at the last moment: the scheduler checked it at release time, but a send may
sit in the retry table for minutes, so the dispatcher checks again against its own view
of push.recipients.v1. The view only ever narrows what the Send allows (a recipient it
has not seen keeps the Send's channels). Pure: no I/O."""

from dataclasses import dataclass

from herald.contracts import Category, Channel
from herald.contracts.internal import Send


@dataclass(frozen=True, slots=True)
class ConsentRow:
    marketing: bool
    channels: dict[str, bool]
    erased: bool = False


def allowed(send: Send, row: ConsentRow | None) -> tuple[Channel, ...]:
    """The Send's channels that the recipient's current consent still allows."""
    if row is None:
        return send.channels
    if row.erased or (send.category == Category.MARKETING and not row.marketing):
        return ()
    return tuple(c for c in send.channels if row.channels.get(str(c), True))
