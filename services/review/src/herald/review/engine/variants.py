"""The other spellings of a dictionary term that evaders use, generated for every term
so that dictionaries list each term once, in characters:

- full pinyin (`baijiale`, `bai jia le`), pinyin mixed with characters (`bai家乐`,
  `du博`) and, for terms of three syllables or more, pinyin initials (`bjl`);
- homophones (`百佳乐`, `陆合彩`): the term's syllables without tones, matched over the
  syllables of the text (see fold_tables.SYLLABLE), for terms of three syllables or
  more; a homophone counts only when at least half its characters are the term's own
  and no common word covers a character that differs (国家机关 is not 国家级), which
  keeps chance look-alikes across words out.

Two-character terms get no automatic homophones: too many ordinary words share their
syllables (病毒 and 冰毒 are both bingdu). Known two-character evasions (菠菜) are
dictionary entries of their own.
"""

import itertools
from functools import cache

from pypinyin import Style, lazy_pinyin
from pypinyin.phrases_dict import phrases_dict

from herald.review.engine.fold_tables import LIMIT, bucket_table, syllable_table
from herald.review.engine.normalize import fold

MAX_MIXED = 5
"""Up to this many syllables every pinyin/character mix is listed (2**5 spellings)."""
MIN_PINYIN_LETTERS = 5
"""An all-pinyin spelling shorter than this (`dubo` is 4) is too likely an English word."""
MIN_SYLLABLES = 3
"""Initials and homophones only for terms this long (`bjl`, not `db`)."""
MAX_HOMOPHONE = 8


def _readings(term: str) -> dict[int, str]:
    """The pinyin of each Chinese character of the term, by its index (phrase-aware)."""
    found: dict[int, str] = {}
    run: list[int] = []
    for i, ch in enumerate([*term, " "]):
        if "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff":
            run.append(i)
            continue
        if run:
            chunk = "".join(term[j] for j in run)
            readings = lazy_pinyin(chunk, style=Style.NORMAL, errors="ignore")
            if len(readings) == len(run):
                found |= {j: r.replace("ü", "v") for j, r in zip(run, readings, strict=True)}
            run = []
    return found


def spellings(term: str) -> list[tuple[str, str]]:
    """(folded spelling, how) for every pinyin spelling of the term but the term itself."""
    folded = fold(term)
    key = folded.text
    readings = _readings(term)
    options = [
        [ch, readings[int(o)]] if int(o) in readings else [ch]
        for ch, o in zip(key, folded.origin, strict=True)
    ]
    syllables = sum(len(o) == 2 for o in options)
    if syllables == 0:
        return []
    found: dict[str, str] = {}
    if syllables <= MAX_MIXED:
        for combo in itertools.product(*options):
            found.setdefault("".join(combo), "mixed")
    found["".join(o[-1] for o in options)] = "pinyin"
    if syllables >= MIN_SYLLABLES:
        found["".join(o[-1][0] for o in options)] = "initials"
    found.pop(key, None)
    return [(s, how) for s, how in found.items() if _plausible(s, how)]


def _plausible(spelling: str, how: str) -> bool:
    if how == "initials":
        return len(spelling) >= MIN_SYLLABLES
    if spelling.isascii():
        return sum(c.isalpha() for c in spelling) >= MIN_PINYIN_LETTERS
    return True


def homophone_key(key: str) -> tuple[str, tuple[int, ...]] | None:
    """The term as the homophone automaton reads it (one syllable byte per character)
    and its exact syllables, or None when it is too short or not all Chinese."""
    if not MIN_SYLLABLES <= len(key) <= MAX_HOMOPHONE or any(ord(ch) >= LIMIT for ch in key):
        return None
    buckets = bucket_table().take([ord(ch) for ch in key])
    if not buckets.all():
        return None
    syllables = tuple(int(n) for n in syllable_table().take([ord(ch) for ch in key]))
    return buckets.tobytes().decode("latin-1"), syllables


@cache
def _lexicon() -> frozenset[str]:
    """Common Chinese words (pypinyin's phrase list, about 47,000)."""
    return frozenset(w for w in phrases_dict if 2 <= len(w) <= 4)


def real_word(text: str, start: int, key: str) -> bool:
    """Does a common word cover a character where the text differs from the term? Then
    the text says that word (国家机关), not a homophone of the term (国家级)."""
    words = _lexicon()
    for i, ch in enumerate(key):
        at = start + i
        if text[at] == ch:
            continue
        for size in (2, 3, 4):
            for first in range(at - size + 1, at + 1):
                if first >= 0 and text[first : first + size] in words:
                    return True
    return False
