"""Evasions found beside the automaton of spellings: pinyin initials (`bjl`) as a run of
Latin letters of their own next to Chinese, and homophones (百佳乐) over the syllables
of the text's Chinese characters (see variants and fold_tables.bucket_table)."""

import re

from herald.review.engine.entries import TermEntry
from herald.review.engine.fold_tables import syllable_table
from herald.review.engine.keys import Automaton
from herald.review.engine.normalize import Folded
from herald.review.engine.sightings import Found
from herald.review.engine.variants import real_word

Heard = tuple[TermEntry, str, tuple[int, ...]]
"""A term a homophone may stand for: its entry, its folded key and its syllables."""

_AFTER_HAN = re.compile(rb"haaaa{0,5}+(?!a)")
"""In the folded text's marks (see Folded.marks), Chinese then a whole run of three to
eight Latin letters. Its literal start `haaa` is searched for in C; the same pattern
over the reversed marks finds the runs that end before Chinese."""
_LONG_AFTER, _LONG_BEFORE = b"h" + b"a" * 9, b"a" * 9 + b"h"
"""Chinese beside nine letters or more: no run of initials (see initials)."""


def initials(folded: Folded, terms: dict[str, list[TermEntry]]) -> list[Found]:
    """Pinyin initials (bjl) as a run of ASCII letters of their own beside Chinese
    (`最火bjl平台`; not inside English, where spaces are folded away). A text with no
    such run (most: all Chinese, English between digits, or English sentences beside
    Chinese ones) is ruled out by C string counts before any regex runs."""
    if not terms:
        return []
    marks = folded.marks
    runs: set[tuple[int, int]] = set()
    # A Chinese character followed by three letters or more (`haaa`) starts a run unless
    # nine letters or more follow it: when C counts as many of each, no run is short
    # enough, and no regex need run (mixed texts hold long English runs).
    if marks.count(b"haaa") > marks.count(_LONG_AFTER):
        at = marks.find(b"haaa")
        runs.update([(m.start() + 1, m.end()) for m in _AFTER_HAN.finditer(marks, at)])
    if marks.count(b"aaah") > marks.count(_LONG_BEFORE):
        size, at = len(marks), marks.rfind(b"aaah")
        backwards = _AFTER_HAN.finditer(marks[::-1], size - at - 4)
        runs.update([(size - m.end(), size - m.start() - 1) for m in backwards])
    if not runs:
        return []
    text = folded.text
    return [
        (start, end - 1, e, "initials")
        for start, end in runs
        for e in terms.get(text[start:end], ())
    ]


def homophones(folded: Folded, sounds: Automaton[tuple[Heard, ...]] | None) -> list[Found]:
    """Terms of three syllables or more written with other characters of the same
    sounds, at least half of them the term's own, and no common word in the way.

    The automaton reads `Folded.han` (a byte per folded character, 0 between Chinese
    runs), so a match is a run of consecutive characters of the folded text. The cheap
    test (how many characters are the term's own) comes first: most matches of a
    syllable bucket are chance, and fail it."""
    if sounds is None:
        return []
    matches = sounds.search(folded.han, True)
    if not matches:
        return []
    found: list[Found] = []
    text = folded.text
    values = sounds.values
    for index, start, stop in matches:
        length = stop - start
        written = text[start:stop]
        heard: tuple[int, ...] | None = None
        for entry, key, sounding in values[index]:
            own = sum(map(str.__eq__, written, key))  # as long as each other
            if not length > own or own * 2 < length:
                continue
            if heard is None:
                heard = tuple(syllable_table().take(folded.codes[start:stop]).tolist())
            if heard == sounding and not real_word(text, start, key):
                found.append((start, stop - 1, entry, "homophone"))
    return found
