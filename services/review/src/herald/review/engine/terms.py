"""Sensitive terms in one Aho-Corasick automaton, with an allow-list of innocent phrases.

Terms and allow-list phrases are folded like the texts (see normalize) and live in the
same automaton, so one pass over a text finds both; a term inside an allowed phrase
(水枪 contains 枪) is not a hit. ASCII terms must start and end at word boundaries of the
original text, so "gun" does not fire inside "begun".

The automaton runs over UTF-8 bytes (spelled as Latin-1 characters): pyahocorasick
searches a node's children linearly, and with thousands of Chinese terms the root
would have thousands of children; over bytes no node has more than 256, which makes
a 10000-term dictionary about 60 times faster (see bench/review_engine.py).
"""

from collections.abc import Iterable
from dataclasses import dataclass

import ahocorasick  # type: ignore[import-not-found]

from herald.review.engine.findings import Severity
from herald.review.engine.normalize import Folded, fold, fold_term

ALLOW = "__allow__"


@dataclass(frozen=True, slots=True)
class TermEntry:
    term: str
    category: str
    severity: Severity


@dataclass(frozen=True, slots=True)
class Hit:
    entry: TermEntry
    start: int
    end: int
    """Original-text span [start, end)."""


class TermMatcher:
    def __init__(self, entries: Iterable[TermEntry], allowed: Iterable[str] = ()) -> None:
        self._automaton = ahocorasick.Automaton()
        count = 0
        for entry in entries:
            key = fold_term(entry.term)
            if key:
                self._automaton.add_word(as_bytes(key), (len(key), entry))
                count += 1
        for phrase in allowed:
            key = fold_term(phrase)
            if key:
                allow = TermEntry(phrase, ALLOW, Severity.NOTE)
                self._automaton.add_word(as_bytes(key), (len(key), allow))
        self.size = count
        self._empty = len(self._automaton) == 0
        if not self._empty:
            self._automaton.make_automaton()

    def find(self, text: str) -> list[Hit]:
        if self._empty:
            return []
        folded = fold(text)
        hits: list[tuple[int, int, TermEntry]] = []
        allowed: list[tuple[int, int]] = []
        raw = folded.text.encode()
        for end_byte, (length, entry) in self._automaton.iter(raw.decode("latin-1")):
            end = len(raw[: end_byte + 1].decode()) - 1  # UTF-8 matches end on a character
            start = end - length + 1
            if entry.category == ALLOW:
                allowed.append((start, end))
            elif _bounded(text, folded, start, end, entry.term):
                hits.append((start, end, entry))
        kept = [h for h in hits if not any(a <= h[0] and h[1] <= b for a, b in allowed)]
        return [
            Hit(entry, *folded.span(s, e + 1))
            for s, e, entry in kept
            if not any(
                _inside((s, e), (o[0], o[1])) and o[2].category == entry.category for o in kept
            )
        ]


def _inside(inner: tuple[int, int], outer: tuple[int, int]) -> bool:
    """Strictly inside: 赌场 within 网上赌场 is one hit, not two."""
    return outer[0] <= inner[0] and inner[1] <= outer[1] and inner != outer


def as_bytes(text: str) -> str:
    """The UTF-8 bytes of a text, one Latin-1 character per byte."""
    return text.encode().decode("latin-1")


def _bounded(text: str, folded: Folded, start: int, end: int, term: str) -> bool:
    if not term.isascii():
        return True
    first, last = folded.origin[start], folded.origin[end]
    before = text[first - 1] if first > 0 else " "
    after = text[last + 1] if last + 1 < len(text) else " "
    return not (_word_char(before) or _word_char(after))


def _word_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()
