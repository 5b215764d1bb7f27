"""Fold a text so that evasions match (see fold_tables for what folding does).

The whole text is folded in a few numpy operations over its code points: this is what
keeps the engine near the speed of a bare matcher. The folded text keeps, for every
character, the index of the original character it came from, so evidence is always
quoted from what the requester wrote.
"""

from functools import cached_property

import numpy as np
import numpy.typing as npt

from herald.review.engine.fold_tables import (
    LIMIT,
    MULTI,
    Codes,
    Table,
    fold_char,
    fold_table,
    syllable_table,
)

Indices = npt.NDArray[np.intp]


def as_units(text: str) -> str:
    """A folded term as the automaton reads it (see Folded.units)."""
    return text.encode("utf-16-le", "replace").decode("latin-1")


class Folded:
    """A folded text: `text`, the code points `codes`, and `origin[i]`, the index in
    the original text of folded character i."""

    def __init__(self, original: str, codes: Table, origin: Indices) -> None:
        self.original = original
        self.codes = codes
        self.origin = origin

    @cached_property
    def text(self) -> str:
        return self.codes.tobytes().decode("utf-32-le")

    @cached_property
    def units(self) -> str:
        """The folded text as UTF-16-LE code units, one Latin-1 character per byte (the
        automaton's input: a match ending at byte b ends at character b // 2)."""
        codes = self.codes
        if len(codes) and int(codes.max()) > 0xFFFF:
            codes = np.where(codes > 0xFFFF, 0xFFFD, codes)
        return codes.astype(np.uint16).tobytes().decode("latin-1")

    @cached_property
    def syllables(self) -> str:
        """Two bytes per folded character, its syllable code (see fold_tables)."""
        codes: Codes = syllable_table().take(self.codes, mode="clip")
        return codes.tobytes().decode("latin-1")

    def at_original(self, index: int) -> int:
        """The first folded character that comes from original index `index` or later."""
        return int(np.searchsorted(self.origin, index))

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original [start, end) covering folded characters start..end-1."""
        return int(self.origin[start]), int(self.origin[end - 1]) + 1


def fold(text: str) -> Folded:
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    mapped = fold_table().take(points, mode="clip")
    if (mapped == MULTI).any():
        return _fold_slowly(text)
    kept = mapped.nonzero()[0]
    return Folded(text, mapped[kept], kept)


def _fold_slowly(text: str) -> Folded:
    """Character by character, for texts with a character that folds to several."""
    table = fold_table()
    codes: list[int] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        cp = ord(ch)
        one = int(table[cp]) if cp < LIMIT - 1 else MULTI
        folded = fold_char(ch) if one == MULTI else (chr(one) if one else "")
        codes += map(ord, folded)
        origin += [i] * len(folded)
    return Folded(text, np.array(codes, dtype=np.uint32), np.array(origin, dtype=np.intp))


def fold_term(term: str) -> str:
    """A dictionary term folded the same way the texts are."""
    return fold(term.replace("\0", "")).text
