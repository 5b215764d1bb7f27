"""Replies recipients send back (SMS 上行 / MO), and whether a reply says "no more".

Pure: the reply as the providers' callbacks hand it over, and the opt-out keyword test
(the port a reply is given to is `ports.Replies`). What an opt-out then changes
(consent, per channel or per sender) is decided by the consent flow, not here.

A reply opts out when the whole message, normalised, is one of the keywords: Unicode
NFKC (full-width `ＴＤ` is `TD`), case-folded, with whitespace removed and punctuation
or symbols trimmed from both ends (`退订。`, `Stop!`). "Please stop sending at night"
is not an opt-out; `T` alone is. The carriers' and MIIT's convention in China is
回T/TD/退订; STOP/UNSUBSCRIBE/END/QUIT/CANCEL are the CTIA keywords elsewhere.
"""

import unicodedata
from dataclasses import dataclass
from datetime import datetime

OPT_OUT_KEYWORDS = frozenset(
    {
        "t", "td", "回t", "回td", "n", "r", "退订", "退定", "取消", "取消订阅", "退出", "拒收",
        "stop", "stopall", "unsubscribe", "unsub", "end", "quit", "cancel", "optout",
    }
)  # fmt: skip
"""Already normalised (case-folded, no spaces)."""

MAX_TEXT = 1000
"""Longest reply text kept; a long message is never an opt-out keyword anyway."""


# deliberate declaration: a reply as the providers' inbound webhooks give it, field by field
@dataclass(frozen=True, slots=True)
class InboundReply:
    phone: str
    """E.164, e.g. +8613800000000."""
    text: str
    provider: str
    """The provider's key (`name`, or `tenant/name` for a tenant's own)."""
    tenant: str
    at: datetime
    """When the recipient sent it (the vendor's time)."""


def _edge(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "PSZC"


def normalise(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text[:MAX_TEXT]).casefold()
    squeezed = "".join(folded.split())
    start, end = 0, len(squeezed)
    while start < end and _edge(squeezed[start]):
        start += 1
    while end > start and _edge(squeezed[end - 1]):
        end -= 1
    return squeezed[start:end]


def is_opt_out(text: str, keywords: frozenset[str] = OPT_OUT_KEYWORDS) -> bool:
    """True if the whole reply is an opt-out keyword (case-, width- and spacing-insensitive)."""
    return normalise(text) in keywords
