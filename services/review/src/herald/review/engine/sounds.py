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


def initials(folded: Folded, terms: dict[str, list[TermEntry]]) -> list[Found]:
    """Pinyin initials (bjl) as a run of ASCII letters of their own beside Chinese
    (`最火bjl平台`; not inside English, where spaces are folded away)."""
    if not terms:
        return []
    marks, text = folded.marks, folded.text
    size = len(marks)
    runs = {(m.start() + 1, m.end()) for m in _AFTER_HAN.finditer(marks)}
    runs |= {(size - m.end(), size - m.start() - 1) for m in _AFTER_HAN.finditer(marks[::-1])}
    return [
        (start, end - 1, e, "initials")
        for start, end in runs
        for e in terms.get(text[start:end], ())
    ]


def homophones(folded: Folded, sounds: Automaton[tuple[Heard, ...]] | None) -> list[Found]:
    """Terms of three syllables or more written with other characters of the same
    sounds, at least half of them the term's own, and no common word in the way."""
    if sounds is None:
        return []
    stream, where = folded.han
    if not stream or not (matches := sounds.find(stream)):
        return []
    found: list[Found] = []
    text = folded.text
    syllables = syllable_table()
    for index, first, stop in matches:
        start, last = int(where[first]), int(where[stop - 1])
        if last - start != stop - first - 1:
            continue  # the characters are not next to each other in the text
        length = stop - first
        written = text[start : last + 1]
        heard = tuple(int(n) for n in syllables.take(folded.codes[start : last + 1]))
        for entry, key, sounding in sounds.values[index]:
            own = sum(a == b for a, b in zip(written, key, strict=True))
            near = heard == sounding and length > own and own * 2 >= length
            if near and not real_word(text, start, key):
                found.append((start, last, entry, "homophone"))
    return found
