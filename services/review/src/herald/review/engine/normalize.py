"""Fold a text so that evasions match (see fold_tables for what folding does).

The whole text is folded by one table lookup over its UTF-16 code units (numpy; the same
lookup gives its marks and syllables) and one decode: this is what keeps the engine near
the speed of a bare matcher. The folded text can say, for every character, the index of
the original character it came from (so evidence is always quoted from what the
requester wrote); that map is only built when something matched.
"""

import codecs
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from herald.review.engine.fold_tables import (
    DROPPED,
    LIMIT,
    MULTI,
    SEPARATORS,
    TO_FOLDED,
    Table,
    bucket_table,
    fold_char,
    fold_info_table,
    fold_table,
    folded_mark_table,
    mark_table,
)

Indices = npt.NDArray[np.intp]
_encode, _decode = codecs.utf_16_le_encode, codecs.utf_16_le_decode
"""The codec's own functions: `str.encode("utf-16-le")` finds them through the codec
registry and a Python wrapper on every call."""
_M = b"m"
"""The mark of a character that folds to several (see fold_tables.mark_table)."""
_U16 = np.dtype(np.uint16)
"""Dtype objects, given positionally: numpy converts a scalar type to one on every call."""
_DROPPED = bytes([DROPPED])


class Folded:
    """A folded text: `text`, and what every request reads of it beside, worked out with
    it (plain attributes, no property to call): `han`, `marks` and `original_marks` (see
    below); on demand its UTF-16 `codes` and `origin[i]` (the index in the original text
    of folded character i), which only matches need. Lazy ones are plain attributes in
    slots: cached_property takes a lock."""

    __slots__ = (
        "_codes",
        "_mapped",
        "_origin",
        "han",
        "marks",
        "original",
        "original_marks",
        "text",
    )  # fmt: skip

    def __init__(
        self,
        original: str,
        text: str,
        han: bytes,
        marks: bytes,
        original_marks: bytes,
        mapped: Table | None = None,
    ) -> None:
        self.original = original
        self.text = text
        self.han = han
        """What the homophone automaton reads: one byte per folded character, its
        syllable's bucket (see fold_tables.bucket_table), 0 for a character without one
        (Latin, punctuation kept, the barrier), so that a homophone is always written
        in consecutive characters and offsets in it are offsets in `text`."""
        self.marks = marks
        """One byte per folded character saying what it is: `d` a digit, `a` a Latin
        letter, `h` Chinese (or any character from U+2E80), `o` anything else."""
        self.original_marks = original_marks
        """One byte per UTF-16 code unit of the original text saying what it is (see
        fold_tables.mark_table); for finding out cheaply that something is absent."""
        self._mapped = mapped
        """The table's value for every original character (0: dropped), when the
        folded text is those values without the zeros; None when origin is given."""
        self._origin: Indices | None = None
        self._codes: Table | None = None

    @classmethod
    def mapped_as(cls, original: str, codes: Table, origin: Indices) -> "Folded":
        units = np.frombuffer(_encode(original, "surrogatepass")[0], _U16)
        folded = cls(
            original,
            _decode(codes.data, "surrogatepass", True)[0],
            bucket_table().take(codes).tobytes(),
            folded_mark_table().take(codes).tobytes(),
            mark_table().take(units).tobytes(),
        )
        folded._codes, folded._origin = codes, origin
        return folded

    @property
    def codes(self) -> Table:
        if self._codes is None:
            self._codes = np.frombuffer(_encode(self.text)[0], _U16)
        return self._codes

    @property
    def origin(self) -> Indices:
        if self._origin is None:
            assert self._mapped is not None
            self._origin = self._mapped.nonzero()[0]
        return self._origin

    def at_original(self, index: int) -> int:
        """The first folded character that comes from original index `index` or later."""
        return int(np.searchsorted(self.origin, index))

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original [start, end) covering folded characters start..end-1."""
        origin = self.origin
        return int(origin[start]), int(origin[end - 1]) + 1


def fold(text: str) -> Folded:
    """The text folded, with its marks and syllables: one table lookup over the whole
    text (see fold_tables.fold_info_table), whatever it holds."""
    units = np.frombuffer(_encode(text, "surrogatepass")[0], _U16)
    if len(units) != len(text):
        return _fold_wide_text(text)
    both = fold_info_table().take(units)
    mapped = both.astype(_U16)  # the low halves: what each character folds to
    info = both.tobytes()
    marks = info[3::4]
    if marks.find(_M) >= 0:  # folds to several (`in` on bytes raises a TypeError inside)
        return _expand(text, mapped)
    folded = _decode(mapped.data, "surrogatepass", True)[0]
    han = info[2::4].translate(None, _DROPPED)
    return Folded(
        text, folded.replace("\0", ""), han, marks.translate(TO_FOLDED, SEPARATORS), marks, mapped
    )


def _fold_wide_text(text: str) -> Folded:
    """Characters outside the plane (emoji): fold those few one by one."""
    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    wide = points >= LIMIT
    mapped = fold_table().take(np.where(wide, 0, points).astype(np.uint16))
    for cp in np.unique(points[wide]).tolist():
        mapped[points == cp] = _fold_wide(cp)
    if (mapped == MULTI).any():
        return _expand(text, mapped)
    kept = mapped.nonzero()[0]
    return Folded.mapped_as(text, mapped[kept], kept)


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
    return Folded.mapped_as(text, np.concatenate(codes), np.concatenate(origin))


def fold_term(term: str) -> str:
    """A dictionary term folded the same way the texts are."""
    return fold(term.replace("\0", "")).text
