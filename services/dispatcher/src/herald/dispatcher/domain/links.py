"""Tracking links: every link becomes `{tracker}/r/{token}`; e-mail gets an open pixel.

Tokens come from herald.runtime.links.LinkSigner, which tracker verifies. The pixel is
`{tracker}/o/{token}` where the token signs the delivery id with the fixed url
`https://herald.invalid/open` (PIXEL_URL): that url marks a token as a pixel, so tracker
records `opened` for it at `/o/` and refuses it at `/r/` (and a link token at `/o/`).
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from herald.runtime.links import PIXEL_URL, LinkSigner

URL_IN_TEXT = re.compile(r"https?://[^\s<>\"'）】]+")
_TRAILING = ".,;:!?)]}。，；！？"


@dataclass(frozen=True, slots=True)
class TrackingLinks:
    """Signs a send's links and its open pixel for tracker to verify."""

    signer: LinkSigner
    public_url: str
    expires_at: Callable[[], datetime]

    def link(self, delivery_id: str, url: str) -> str:
        if url.startswith(f"{self.public_url}/"):
            return url  # already ours
        token = self.signer.sign(delivery_id, url, self.expires_at())
        return f"{self.public_url}/r/{token}"

    def pixel(self, delivery_id: str) -> str:
        token = self.signer.sign(delivery_id, PIXEL_URL, self.expires_at())
        return f"{self.public_url}/o/{token}"

    def rewrite_text(self, delivery_id: str, text: str) -> str:
        def one(match: re.Match[str]) -> str:
            url = match.group(0)
            trail = ""
            while url and url[-1] in _TRAILING:
                url, trail = url[:-1], url[-1] + trail
            return self.link(delivery_id, url) + trail

        return URL_IN_TEXT.sub(one, text)
