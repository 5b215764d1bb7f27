"""Fold a text so that evasions match (see fold_tables for what folding does).

The whole text is folded in a few numpy operations over its UTF-16 code units: this is
what keeps the engine near the speed of a bare matcher. The folded text keeps, for
every character, the index of the original character it came from, so evidence is
always quoted from what the requester wrote.
"""

from functools import lru_cache

import numpy as np
import numpy.typing as npt

from herald.review.engine.fold_tables import (
    LIMIT,
    MULTI,
    Table,
    bucket_table,
    fold_char,
    fold_table,
)

Indices = npt.NDArray[np.intp]


def as_bytes(text: str) -> str:
    """A folded term as the automaton reads it (see Folded.utf8)."""
    return text.encode().decode("latin-1")


class Folded:
    """A folded text: `text`, its UTF-16 `codes`, `origin[i]` (the index in the original
    text of folded character i) and `utf8`, the folded text's UTF-8 bytes, one Latin-1
    character per byte (the automaton's input: pyahocorasick walks bytes fastest, no
    node having over 256 children). Plain attributes: cached_property takes a lock."""

    def __init__(self, original: str, codes: Table, origin: Indices) -> None:
        self.original = original
        self.codes = codes
        self.origin = origin
        self.text = codes.tobytes().decode("utf-16-le")
        self.utf8 = self.text.encode().decode("latin-1")
        self._han: tuple[str, Indices] | None = None

    def chars_at(self, end_bytes: list[int]) -> list[int]:
        """The folded characters whose UTF-8 encodings end at these bytes."""
        c = self.codes
        sizes = 1 + (c >= 0x80).astype(np.intp) + (c >= 0x800)
        found: list[int] = np.searchsorted(np.cumsum(sizes) - 1, end_bytes).tolist()
        return found

    @property
    def han(self) -> tuple[str, Indices]:
        """The Chinese characters' syllable bytes (see fold_tables.bucket_table) and where
        each sits in the folded text (a match must be contiguous there too)."""
        if self._han is None:
            buckets = bucket_table().take(self.codes)
            where = buckets.nonzero()[0]
            self._han = buckets[where].tobytes().decode("latin-1"), where
        return self._han

    def at_original(self, index: int) -> int:
        """The first folded character that comes from original index `index` or later."""
        return int(np.searchsorted(self.origin, index))

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original [start, end) covering folded characters start..end-1."""
        return int(self.origin[start]), int(self.origin[end - 1]) + 1


def fold(text: str) -> Folded:
    units = np.frombuffer(text.encode("utf-16-le", "surrogatepass"), dtype=np.uint16)
    if len(units) == len(text):
        mapped = fold_table().take(units)
    else:  # characters outside the plane (emoji): fold those few one by one
        points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        wide = points >= LIMIT
        mapped = fold_table().take(np.where(wide, 0, points).astype(np.uint16))
        for cp in np.unique(points[wide]).tolist():
            mapped[points == cp] = _fold_wide(cp)
    if len(mapped) and mapped.max() == MULTI:
        return _expand(text, mapped)
    kept = mapped.nonzero()[0]
    return Folded(text, mapped[kept], kept)


@lru_cache(maxsize=4096)
def _fold_wide(cp: int) -> int:
    folded = fold_char(chr(cp))
    if len(folded) != 1:
        return MULTI if folded else 0
    return ord(folded) if ord(folded) < MULTI else 0xFFFD


@lru_cache(maxsize=4096)
def _expansion(ch: str) -> tuple[int, ...]:
    return tuple(min(ord(c), 0xFFFD) for c in fold_char(ch))


def _expand(text: str, mapped: Table) -> Folded:
    """Characters that fold to several (㎏ → kg, ™ → tm) spliced in; the rest as is."""
    codes: list[Table] = []
    origin: list[Indices] = []
    last = 0
    for i in [*(mapped == MULTI).nonzero()[0].tolist(), len(mapped)]:
        part = mapped[last:i]
        kept = part.nonzero()[0]
        codes.append(part[kept])
        origin.append(kept + last)
        if i < len(mapped):
            extra = _expansion(text[i])
            codes.append(np.array(extra, dtype=np.uint16))
            origin.append(np.full(len(extra), i, dtype=np.intp))
        last = i + 1
    return Folded(text, np.concatenate(codes), np.concatenate(origin))


def fold_term(term: str) -> str:
    """A dictionary term folded the same way the texts are."""
    return fold(term.replace("\0", "")).text
