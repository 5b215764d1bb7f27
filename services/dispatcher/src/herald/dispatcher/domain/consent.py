"""Consent at the last moment: the scheduler checked it at release time, but a send may
sit in the retry table for minutes, so the dispatcher checks again against its own view
of push.recipients.v1. The view only ever narrows what the Send allows (a recipient it
has not seen keeps the Send's channels). On top of it, the recipient's own opt-outs made
through Herald (link, preference centre, SMS reply: `blocked`), which a later profile
on push.recipients.v1 does not undo. Pure: no I/O."""

from dataclasses import dataclass

from herald.contracts import Category, Channel
from herald.contracts.internal import Send


@dataclass(frozen=True, slots=True)
class ConsentRow:
    marketing: bool
    channels: dict[str, bool]
    erased: bool = False
    blocked: frozenset[tuple[str, str]] = frozenset()
    """(category, channel) the recipient opted out of through Herald; channel `*`: all."""

    def refuses(self, category: str, channel: str) -> bool:
        return (category, channel) in self.blocked or (category, "*") in self.blocked


def allowed(send: Send, row: ConsentRow | None) -> tuple[Channel, ...]:
    """The Send's channels that the recipient's current consent still allows."""
    if row is None:
        return send.channels
    if row.erased or (send.category == Category.MARKETING and not row.marketing):
        return ()
    cat = str(send.category)
    return tuple(
        c for c in send.channels if row.channels.get(str(c), True) and not row.refuses(cat, str(c))
    )
