"""The features the learned second opinion reads (see wording_model): hashed n-grams.

Two kinds, each hashed into `BUCKETS` buckets by a fixed polynomial hash (stable across
processes, unlike Python's `hash`), all in numpy so a 4,000-character body costs a few
milliseconds of CPU (see bench/review_engine.py):

- character n-grams of the engine's FOLDED text (evasions undone: pinyin, confusables,
  traditional, spacing): 1-4 characters where the n-gram starts with a Han character,
  3-5 where it does not (Latin text, digits);
- word unigrams and bigrams of the original text, case-folded (the fold drops the spaces
  between English words, so words are read before it).

Presence only (each bucket 1 once), scaled to unit length: a long text and a short one
with the same wording score alike; but a text of fewer than `SCALE_FLOOR` features is
scaled as if it had that many, so that a few words (`A message.`) are not weighed as
much evidence as a sentence.
"""

import re
import zlib

import numpy as np
import numpy.typing as npt

BUCKETS_LOG2 = 18
BUCKETS = 1 << BUCKETS_LOG2
_MASK = np.uint64((1 << 32) - 1)
_PRIME = np.uint64(1_000_003)
_HAN_FROM, _HAN_TO = 0x3400, 0x9FFF
_WORD = re.compile(r"[^\W_]+")
_SPANS = ((1, 4, True), (3, 5, False))
"""(shortest, longest, starts with Han): the character n-grams taken."""

SCALE_FLOOR = 64
Features = npt.NDArray[np.int64]


def scale(count: int) -> float:
    """What each of a text's `count` features is worth (see SCALE_FLOOR)."""
    return 1.0 / float(np.sqrt(max(count, SCALE_FLOOR)))


def _mix(h: npt.NDArray[np.uint64], seed: int) -> npt.NDArray[np.uint64]:
    """A bucket of each 32-bit hash, salted by the kind of feature (murmur's finaliser)."""
    h = (h ^ np.uint64(seed * 0x9E3779B1 & 0xFFFFFFFF)) & _MASK
    h = (h ^ (h >> np.uint64(16))) * np.uint64(0x85EBCA6B) & _MASK
    h = (h ^ (h >> np.uint64(13))) * np.uint64(0xC2B2AE35) & _MASK
    return (h ^ (h >> np.uint64(16))) & np.uint64(BUCKETS - 1)


def _char_grams(folded: str) -> list[npt.NDArray[np.uint64]]:
    codes = np.frombuffer(folded.encode("utf-32-le"), np.uint32).astype(np.uint64)
    han = (codes >= _HAN_FROM) & (codes <= _HAN_TO)
    found = []
    h = np.zeros(len(codes), np.uint64)
    for n in range(1, 6):
        if len(codes) < n:
            break
        h = (h[: len(codes) - n + 1] * _PRIME + codes[n - 1 :]) & _MASK
        starts = han[: len(h)]
        for low, high, of_han in _SPANS:
            if low <= n <= high:
                found.append(_mix(h[starts == of_han], n * 2 + of_han))
    return found


def _word_grams(original: str) -> list[npt.NDArray[np.uint64]]:
    words = [_stem(w) for w in _WORD.findall(original.casefold()) if not _is_han(w)]
    if not words:
        return []
    h = np.array([zlib.crc32(w.encode()) for w in words], np.uint64)
    pairs = (h[:-1] * _PRIME + h[1:]) & _MASK
    return [_mix(h, 101), _mix(pairs, 102)]


_SUFFIXES = ("ing", "ies", "ied", "ed", "es", "ly", "s")


def _stem(word: str) -> str:
    """A crude English stem: the first listed suffix cut when at least 3 letters remain
    (`payments`/`payment`, `hidden` stays), so a word's forms share their features."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _is_han(word: str) -> bool:
    return _HAN_FROM <= ord(word[0]) <= _HAN_TO


def features(original: str, folded: str) -> Features:
    """The distinct buckets of a text (its original and its fold), sorted."""
    grams = _char_grams(folded) + _word_grams(original)
    if not grams:
        return np.zeros(0, np.int64)
    return np.unique(np.concatenate(grams)).astype(np.int64)
