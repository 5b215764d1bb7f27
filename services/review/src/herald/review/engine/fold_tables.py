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
homophone automaton runs over, Chinese characters only.

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
_BUCKETS = 255

Table = npt.NDArray[np.uint16]
Buckets = npt.NDArray[np.uint8]


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
    for c in unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", ch).casefold()):
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
    numbers = _syllables()
    table = np.zeros(LIMIT, dtype=np.uint16)
    for cp in pinyin_dict:
        if cp < LIMIT and _is_han(cp):
            table[cp] = numbers.get(syllable_of(chr(cp)), 0)
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
