"""Lines out of a streamed body, without holding more than one line (bounded) in memory."""

from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Line:
    number: int
    """1-based, counting every line of the body."""
    text: str | None
    """None: longer than allowed, or not UTF-8 (`problem` says which)."""
    problem: str = ""


async def lines(chunks: AsyncIterable[bytes], max_line: int) -> AsyncIterator[Line]:
    """Each line of the body (`\\n` or `\\r\\n`), blank ones skipped; a line longer than
    `max_line` bytes is given as a problem and the rest of it discarded as it streams."""
    buf = bytearray()
    number = 0
    skipping = False
    async for chunk in chunks:
        start = 0
        while (end := chunk.find(b"\n", start)) >= 0:
            number += 1
            if skipping:
                skipping = False
            else:
                buf += chunk[start:end]
                if len(buf) > max_line:
                    yield Line(number, None, f"longer than {max_line} bytes")
                elif line := _decoded(number, bytes(buf)):
                    yield line
            buf.clear()
            start = end + 1
        if not skipping:
            buf += chunk[start:]
            if len(buf) > max_line:
                yield Line(number + 1, None, f"longer than {max_line} bytes")
                buf.clear()
                skipping = True
    if buf and not skipping and (line := _decoded(number + 1, bytes(buf))):
        yield line


def _decoded(number: int, raw: bytes) -> Line | None:
    raw = raw.removesuffix(b"\r")
    if not raw.strip():
        return None
    try:
        return Line(number, raw.decode("utf-8"))
    except UnicodeDecodeError:
        return Line(number, None, "not UTF-8")
