"""The per-code-point tables the folder applies to a whole text at once.

`fold_table()[cp]` is what code point `cp` (of the Basic Multilingual Plane) becomes:
its NFKC, case-folded form with accents stripped, a look-alike letter from another
script replaced by the Latin letter it imitates (Unicode confusables), traditional
Chinese by simplified (OpenCC), Chinese numerals by digits; 0 when it is a separator
an evader would insert (punctuation, symbols and emoji, spaces, control, format and
combining characters); `MULTI` when it becomes more than one character (㎏ → kg) or
lies outside the plane (surrogates), which the folder handles one by one.

`syllable_table()[cp]` is, for a folded Chinese character, the number of its Mandarin
syllable without tone (赌 and 堵 are both `du`), else 0; `bucket_table()` squeezes
those numbers into one byte (the rarest syllables share a byte): the alphabet the
homophone automaton runs over. `info_table()[cp]` is both bytes a rule needs of an
original character at once: its mark (see mark_table) and its syllable's bucket once
folded (0 for a character with none, DROPPED for one folding drops);
`fold_info_table()` holds both tables, so that folding a text is one lookup.

Built once per process (a fraction of a second), then every fold is a few numpy calls.
"""

import unicodedata
from functools import cache

import numpy as np
import numpy.typing as npt
import opencc
from confusable_homoglyphs import confusables
from pypinyin.pinyin_dict import pinyin_dict

LIMIT = 0x10000
"""Code points from here on (other planes) are folded one by one, as MULTI."""
MULTI = 0xFFFF
BARRIER = 1
"""What the folder turns NUL into: it joins a request's texts so that no term spans two."""
_DROP = frozenset("PSZCM")
_NUMERALS = dict(
    zip("零〇一二三四五六七八九壹贰叁肆伍陆柒捌玖", "00123456789123456789", strict=True)
)
_HAN = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00))
_BUCKETS = 254
DROPPED = 0xFF
"""In a syllable stream (see info_table), a character folding drops; no bucket is 255."""

Table = npt.NDArray[np.uint16]
Wide = npt.NDArray[np.uint32]
Buckets = npt.NDArray[np.uint8]
Marks = npt.NDArray[np.uint8]


def _is_han(cp: int) -> bool:
    return any(a <= cp < b for a, b in _HAN)


def _imitates(char: str, other: str) -> bool:
    """A single non-ASCII, non-CJK character confusable with one ASCII letter."""
    if len(char) != 1 or char.isascii() or ord(char) >= 0x2E80:
        return False
    return len(other) == 1 and other.isascii() and other.isalpha()


@cache
def _look_alikes() -> dict[str, str]:
    """Non-ASCII letters that imitate a Latin letter (Cyrillic а, Greek ο, ...)."""
    found: dict[str, str] = {}
    for key, alikes in confusables.confusables_data.items():
        for alike in alikes:
            pair = (key, alike["c"])
            for char, other in (pair, pair[::-1]):
                if _imitates(char, other):
                    found.setdefault(char, other.lower())
    return found


@cache
def _simplified() -> dict[str, str]:
    t2s = opencc.OpenCC("t2s")
    found: dict[str, str] = {}
    for a, b in _HAN:
        for cp in range(a, b):
            ch = chr(cp)
            simple = t2s.convert(ch)
            if len(simple) == 1 and simple != ch:
                found[ch] = simple
    return found


def fold_char(ch: str) -> str:
    """What one character becomes (see the module's doc)."""
    look_alikes, simplified = _look_alikes(), _simplified()
    out = []
    # look-alikes before case folding too: Cyrillic В imitates B, its lower case в no b
    upper = "".join(look_alikes.get(c, c) for c in unicodedata.normalize("NFKC", ch))
    for c in unicodedata.normalize("NFKD", upper.casefold()):
        if unicodedata.category(c)[0] not in _DROP:
            latin = look_alikes.get(c, c)
            simple = simplified.get(latin, latin)
            out.append(_NUMERALS.get(simple, simple))
    return unicodedata.normalize("NFC", "".join(out))


@cache
def fold_table() -> Table:
    table = np.zeros(LIMIT, dtype=np.uint16)
    for cp in range(LIMIT):
        folded = fold_char(chr(cp)) if not 0xD800 <= cp < 0xE000 else "??"
        one = len(folded) == 1 and ord(folded) < MULTI
        table[cp] = ord(folded) if one else (MULTI if folded else 0)
    table[0] = BARRIER
    table[MULTI] = MULTI
    return table


_SEPARATOR_MARKS = {".": ".", ":": ":", "/": "/", "\\": "/", "@": "@", "<": "<"} | dict.fromkeys(
    "。．｡", "e"
)
_OWN_MARKS = {"p": "p", "P": "p", "t": "t", "T": "t", "a": "A", "A": "A"}
SEPARATORS = b"s.:/@<e"
"""The marks of characters that folding drops."""
TO_FOLDED = bytes.maketrans(b"ptA", b"aaa")
"""From an original character's mark to its folded character's (all letters `a`)."""


@cache
def mark_table() -> Marks:
    """What each original character is, as one byte, so that C string search over a
    text's marks answers what a regex would scan the text for. A character folding
    keeps: `d` a digit, `a` a Latin letter (`p`, `t`, `A` for p, t, a: the ends of
    `javascript:`, `vbscript:` and `data:`), `h` a character from U+2E80 on (Chinese,
    kana, full-width forms), `m` one that folds to several, `o` anything else. One it
    drops: `.` `:` `/` (and `\\`) `@` `<` as themselves, `e` the ideographic full stops,
    `s` any other. The folded text's marks are these, translated by TO_FOLDED with the
    SEPARATORS deleted."""
    folded = fold_table()
    table = np.full(LIMIT, ord("o"), dtype=np.uint8)
    table[folded == 0] = ord("s")
    table[(folded >= ord("0")) & (folded <= ord("9"))] = ord("d")
    table[(folded >= ord("a")) & (folded <= ord("z"))] = ord("a")
    table[(folded >= 0x2E80) & (folded != MULTI)] = ord("h")
    table[folded == MULTI] = ord("m")
    for ch, mark in (_SEPARATOR_MARKS | _OWN_MARKS).items():
        table[ord(ch)] = ord(mark)
    return table


@cache
def folded_mark_table() -> Marks:
    """mark_table's marks for the characters of a folded text (which has no separators,
    and where 1 is the BARRIER)."""
    table = np.full(LIMIT, ord("o"), dtype=np.uint8)
    table[ord("0") : ord("9") + 1] = ord("d")
    table[ord("a") : ord("z") + 1] = ord("a")
    table[0x2E80:] = ord("h")
    return table


def syllable_of(ch: str) -> str:
    """The toneless Mandarin syllable of a Chinese character ("" for anything else)."""
    reading = pinyin_dict.get(ord(ch), "").split(",")[0]
    bare = "".join(c for c in unicodedata.normalize("NFKD", reading) if c.isascii())
    return bare.lower()


@cache
def _syllables() -> dict[str, int]:
    names = sorted({syllable_of(chr(cp)) for cp in pinyin_dict} - {""})
    return {name: i + 1 for i, name in enumerate(names)}


@cache
def syllable_table() -> Table:
    """The syllable of each folded Chinese character; digits have their numeral's (六合彩
    folds to 6合彩, and 6盒彩 must still sound like it)."""
    numbers = _syllables()
    table = np.zeros(LIMIT, dtype=np.uint16)
    for cp in pinyin_dict:
        if cp < LIMIT and _is_han(cp):
            table[cp] = numbers.get(syllable_of(chr(cp)), 0)
    for digit, numeral in zip("0123456789", "零一二三四五六七八九", strict=True):
        table[ord(digit)] = numbers[syllable_of(numeral)]
    return table


@cache
def bucket_table() -> Buckets:
    """Syllable numbers in one byte: the syllables with the most characters get a byte
    of their own, the rest share the last one (verified against syllable_table)."""
    syllables = syllable_table()
    counts = np.bincount(syllables, minlength=int(syllables.max()) + 1)
    counts[0] = 0
    ranked = [int(s) for s in np.argsort(-counts) if counts[s]]
    bucket = np.zeros(len(counts), dtype=np.uint8)
    for rank, number in enumerate(ranked):
        bucket[number] = min(rank + 1, _BUCKETS)
    table: Buckets = bucket.take(syllables)
    return table


@cache
def info_table() -> Table:
    """For each original code point, its mark (see mark_table) in the high byte and in
    the low byte what the homophone automaton reads of it once folded: its syllable's
    bucket, 0 (a barrier no homophone spans) for a character without one, DROPPED for a
    character folding drops. So one lookup gives the marks and, with the DROPPED bytes
    deleted, the syllables one for one with the folded text (see normalize.Folded.han)."""
    folded = fold_table()
    stream = bucket_table().take(np.where(folded == MULTI, 0, folded))
    stream[folded == 0] = DROPPED
    pairs = np.stack([stream, mark_table()], axis=1)  # little-endian: the low byte first
    table: Table = pairs.view("<u2").reshape(LIMIT)
    return table


@cache
def fold_info_table() -> Wide:
    """fold_table and info_table in one: for each code point, what it folds to in the
    low half and its info (see info_table) in the high half, so that one lookup over a
    text gives both (in little-endian bytes: folded character, bucket, mark)."""
    table: Wide = fold_table().astype(np.uint32)
    table |= info_table().astype(np.uint32) << np.uint32(16)
    return table
