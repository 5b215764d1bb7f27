"""Reading an answer from a peer we do not control, never past a byte cap.

The answer is read as a stream of raw bytes and refused past the cap (a peer, or
something pretending to be one, cannot make us buffer an unbounded body). Callers ask
for `Accept-Encoding: identity` (`IDENTITY`); a peer that compresses anyway is decoded
here with the same cap on the inflated size (gzip and zlib; other encodings are not
read), so a small gzip body that inflates to hundreds of megabytes costs the cap at most.
A corrupt compressed body raises `zlib.error`.
"""

import zlib

import httpx

IDENTITY = {"accept-encoding": "identity"}
INFLATED = frozenset({"gzip", "x-gzip", "deflate"})


class TooLargeError(Exception):
    """The answer, raw or inflated, is larger than the cap."""


class UnsupportedEncodingError(Exception):
    """The answer is compressed in an encoding we do not read."""

    def __init__(self, encoding: str) -> None:
        super().__init__(f"answer in unsupported encoding {encoding[:20]}")
        self.encoding = encoding


class Capped:
    """Collects a body's bytes, inflating gzip/zlib itself, never past `cap` either way."""

    def __init__(self, encoding: str, cap: int) -> None:
        self.cap, self.body, self.raw = cap, bytearray(), 0
        self._inflate = zlib.decompressobj(zlib.MAX_WBITS | 32) if encoding in INFLATED else None

    def feed(self, chunk: bytes) -> bool:
        """Take a raw chunk; False once the raw or the decoded body passes the cap."""
        self.raw += len(chunk)
        if self._inflate is None:
            self.body += chunk
        else:
            self.body += self._inflate.decompress(chunk, self.cap - len(self.body) + 1)
            if self._inflate.unconsumed_tail:
                return False
        return self.raw <= self.cap and len(self.body) <= self.cap


async def read_capped(response: httpx.Response, cap: int) -> bytes:
    """The decoded body of a streamed response; TooLargeError past `cap`,
    UnsupportedEncodingError for an encoding other than identity, gzip or deflate."""
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in INFLATED and encoding not in ("", "identity"):
        raise UnsupportedEncodingError(encoding)
    capped = Capped(encoding, cap)
    async for chunk in response.aiter_raw():
        if not capped.feed(chunk):
            raise TooLargeError(f"answer over {cap} bytes")
    return bytes(capped.body)
