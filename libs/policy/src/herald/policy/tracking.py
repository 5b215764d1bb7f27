"""A text as it will be sent: each link the dispatcher tracks becomes
`{TRACKER_PUBLIC_URL}/r/<token>`, which is longer than the link itself (the token
carries the whole URL). SMS segments and lengths judged before sending must be
counted on that text, so review and the dispatcher share which links are tracked.

    sent = as_sent(text, "https://t.example.com", token_length)
    sms_segments(sent).count

`token_length(url)` is the length of the token the dispatcher's signer makes for that
URL (`herald.runtime.links`: review measures a token signed the same way).
"""

import re
from collections.abc import Callable

TRACKED_URL = re.compile(r"https?://[^\s<>\"'）】]+")
"""Links the dispatcher makes tracked links of: http(s) URLs. A bare domain is left as
written. (One character class, so matching is linear.)"""
TRAILING = ".,;:!?)]}。，；！？"
"""Punctuation after a link that ends the sentence, not the link."""


def tracked_links(text: str) -> list[tuple[int, int]]:
    """Where the links the dispatcher tracks are: (start, end) of each, in order."""
    found = []
    for m in TRACKED_URL.finditer(text):
        url = m.group(0).rstrip(TRAILING)
        if url:
            found.append((m.start(), m.start() + len(url)))
    return found


def as_sent(text: str, public_url: str, token_length: Callable[[str], int]) -> str:
    """The text with each tracked link replaced by one as long as the dispatcher's will
    be (links already under `public_url` are left alone, as the dispatcher leaves them)."""
    base = public_url.rstrip("/")
    out, at = [], 0
    for start, end in tracked_links(text):
        url = text[start:end]
        out.append(text[at:start])
        mine = url.startswith(base + "/")
        out.append(url if mine else f"{base}/r/" + "x" * token_length(url))
        at = end
    out.append(text[at:])
    return "".join(out)
