"""Evasions found beside the automaton of spellings: pinyin initials (`bjl`) as a run of
Latin letters of their own next to Chinese, and homophones (百佳乐) over the syllables
of the text's Chinese characters (see variants and fold_tables.bucket_table)."""

import ahocorasick_rs

from herald.review.engine.entries import TermEntry
from herald.review.engine.fold_tables import syllable_table
from herald.review.engine.keys import Automaton
from herald.review.engine.normalize import Folded
from herald.review.engine.sightings import Found
from herald.review.engine.variants import real_word

Heard = tuple[TermEntry, str, tuple[int, ...]]
"""A term a homophone may stand for: its entry, its folded key and its syllables."""

_BEFORE_HAN = 18
"""The patterns from here on are the runs before Chinese; those before it, runs after
Chinese, every third of them (from the first) with Chinese after the run too."""
_SHORT_RUNS = ahocorasick_rs.BytesAhoCorasick(
    [b"h" + b"a" * n + after for n in range(3, 9) for after in (b"h", b"d", b"o")]
    + [before + b"a" * n + b"h" for n in range(3, 9) for before in (b"d", b"o")],
    matchkind=ahocorasick_rs.MatchKind.Standard,
    implementation=ahocorasick_rs.Implementation.DFA,
)
"""In the folded text's marks (see Folded.marks) padded with an `o` either side, a whole
run of three to eight Latin letters with Chinese on one side at least: the run is
every match but its first and last mark. Thirty fixed patterns in one small automaton
(a DFA), searched like the texts: a text with no such run (most: all Chinese, or long
English runs beside Chinese) costs one pass of that automaton and no Python. Four C
string counts and a regex did the same in a few times the time among the other rules
(measured inside the engine, 5-8 µs a request against about 1.5): their code is cold by
the time a request reaches them, where the automaton's is the one every search runs."""


def initials(folded: Folded, terms: dict[str, list[TermEntry]]) -> list[Found]:
    """Pinyin initials (bjl) as a run of ASCII letters of their own beside Chinese
    (`最火bjl平台`; not inside English, where spaces are folded away)."""
    if not terms:
        return []
    matches = _SHORT_RUNS.find_matches_as_indexes(b"o" + folded.marks + b"o", True)
    if not matches:
        return []
    # Each run as its [start, end) in the text: the padded match less its first and last
    # mark. Into a set, in the order the old search found them (runs after Chinese from
    # the start, then runs before Chinese from the end), so that hits, and the findings
    # listed in their order, come out as they always have.
    runs = {(start, stop - 2) for i, start, stop in matches if i < _BEFORE_HAN}
    before = [(s, e - 2) for i, s, e in reversed(matches) if i >= _BEFORE_HAN or i % 3 == 0]
    runs.update(before)
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
