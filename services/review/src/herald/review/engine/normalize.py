"""Fold a text so that evasions match: NFKC width, case, separators, traditional script.

The folded text keeps, for every character, the index of the original character it
came from, so evidence is always quoted from what the requester wrote.
"""

import unicodedata
from functools import lru_cache

import opencc

_DROP_CATEGORIES = frozenset("PSZC")
"""Punctuation, symbols, separators (spaces) and control/format (zero-width) characters."""

_t2s = opencc.OpenCC("t2s")


@lru_cache(maxsize=65536)
def _fold_char(ch: str) -> str:
    folded = unicodedata.normalize("NFKC", ch).casefold()
    return "".join(c for c in folded if unicodedata.category(c)[0] not in _DROP_CATEGORIES)


class _Table(dict[int, str]):
    """A str.translate table that folds every character it meets once, then remembers."""

    def __missing__(self, code: int) -> str:
        folded = self[code] = _fold_char(chr(code))
        return folded


_TABLE = _Table()


class Folded:
    """A folded text; the map back to the original is built only when asked for (a hit)."""

    def __init__(self, original: str, text: str) -> None:
        self.original = original
        self.text = text
        self._origin: list[int] | None = None

    @property
    def origin(self) -> list[int]:
        """origin[i] is the index in the original text of folded character i."""
        if self._origin is None:
            origin: list[int] = []
            for i, ch in enumerate(self.original):
                origin += [i] * len(_TABLE[ord(ch)])
            self._origin = origin
        return self._origin

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original [start, end) covering folded characters start..end-1."""
        return self.origin[start], self.origin[end - 1] + 1


def fold(text: str) -> Folded:
    joined = text.translate(_TABLE)
    if joined.isascii():
        return Folded(text, joined)
    simplified = _t2s.convert(joined)
    if len(simplified) != len(joined):  # a phrase mapping changed the length: go char by char
        simplified = "".join(_t2s.convert(c) or c for c in joined)
        if len(simplified) != len(joined):
            simplified = joined
    return Folded(text, simplified)


def fold_term(term: str) -> str:
    """A dictionary term folded the same way the texts are."""
    return fold(term).text
