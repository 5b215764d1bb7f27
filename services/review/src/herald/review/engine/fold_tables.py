"""The per-code-point tables the folder applies to a whole text at once.

`FOLD[cp]` is what code point `cp` becomes: its NFKC, case-folded form with accents
stripped, a look-alike letter from another script replaced by the Latin letter it
imitates (Unicode confusables), traditional Chinese by simplified (OpenCC), Chinese
numerals by digits; 0 when it is a separator an evader would insert (punctuation,
symbols and emoji, spaces, control, format and combining characters); `MULTI` when it
becomes more than one character (㎏ → kg), which the folder handles one by one.

`SYLLABLE[cp]` is, for a folded Chinese character, the number of its Mandarin syllable
without tone (赌 and 堵 are both `du`), for an ASCII letter or digit a number of its
own, else 0: the alphabet the homophone matcher runs over.

Built once per process (about half a second), then every fold is a few numpy calls.
"""

import unicodedata
from functools import cache

import numpy as np
import numpy.typing as npt
import opencc
from confusable_homoglyphs import confusables
from pypinyin.pinyin_dict import pinyin_dict

LIMIT = 0x30000
"""Code points from here on (rare planes) are folded one by one, as MULTI."""
MULTI = 0x110000
BARRIER = 1
"""What the folder turns NUL into: it joins a request's texts so that no term spans two."""
_DROP = frozenset("PSZCM")
_NUMERALS = dict(
    zip("零〇一二三四五六七八九壹贰叁肆伍陆柒捌玖", "00123456789123456789", strict=True)
)
_ASCII_CODES = 0x1000
_HAN = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00), (0x20000, LIMIT))

Table = npt.NDArray[np.uint32]
Codes = npt.NDArray[np.uint16]


def _is_han(cp: int) -> bool:
    return any(a <= cp < b for a, b in _HAN)


@cache
def _look_alikes() -> dict[str, str]:
    """Non-ASCII letters that imitate a Latin letter (Cyrillic а, Greek ο, ...)."""
    found: dict[str, str] = {}
    for key, alikes in confusables.confusables_data.items():
        for alike in alikes:
            pair = (key, alike["c"])
            for char, other in (pair, pair[::-1]):
                if len(char) == 1 and not char.isascii() and ord(char) < 0x2E80:
                    if len(other) == 1 and other.isascii() and other.isalpha():
                        found.setdefault(char, other.lower())
    return found


@cache
def _simplified() -> dict[str, str]:
    t2s = opencc.OpenCC("t2s")
    found: dict[str, str] = {}
    for a, b in _HAN[:3]:
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
        if unicodedata.category(c)[0] in _DROP:
            continue
        c = look_alikes.get(c, c)
        c = simplified.get(c, c)
        out.append(_NUMERALS.get(c, c))
    return unicodedata.normalize("NFC", "".join(out))


@cache
def fold_table() -> Table:
    table = np.zeros(LIMIT, dtype=np.uint32)
    for cp in range(LIMIT):
        folded = fold_char(chr(cp))
        table[cp] = ord(folded) if len(folded) == 1 else (MULTI if folded else 0)
    table[0] = BARRIER
    table[LIMIT - 1] = MULTI
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
def syllable_table() -> Codes:
    numbers = _syllables()
    table = np.zeros(LIMIT, dtype=np.uint16)
    for cp in pinyin_dict:
        if cp < LIMIT and _is_han(cp):
            table[cp] = numbers.get(syllable_of(chr(cp)), 0)
    for c in "abcdefghijklmnopqrstuvwxyz0123456789":
        table[ord(c)] = _ASCII_CODES + ord(c)
    return table


def syllable_code(ch: str) -> int:
    return int(syllable_table()[ord(ch)]) if ord(ch) < LIMIT else 0
