"""Sensitive terms, their evasions, innocent phrases and context cues: one pass.

Every dictionary term, its pinyin spellings (see variants), the allow-list's innocent
phrases and the context rules' cues are folded like the texts (see normalize) and live
in one Aho-Corasick automaton over the folded text's UTF-8 bytes (pyahocorasick searches
a node's children linearly; over bytes no node has more than 256). Homophones of long
terms are found by a second automaton over the text's syllables. Then:

- a term inside an allowed phrase (水枪 holds 枪) is not a hit;
- a term whose spelling begins or ends in ASCII must begin or end at a word boundary of
  the original text, so `gun` does not fire inside `begun`;
- a homophone counts when at least half its characters are the term's own;
- a shorter term inside a longer one of the same category is reported once;
- a context rule clears hits its cues explain (see context), unless the text also offers.
"""

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import ahocorasick  # type: ignore[import-not-found]

from herald.review.engine.context import ContextRule, Scene
from herald.review.engine.findings import Severity
from herald.review.engine.normalize import Folded, as_units, fold, fold_term
from herald.review.engine.pairs import PairRule, Span, pairs_of
from herald.review.engine.variants import homophone_key, real_word, spellings

if TYPE_CHECKING:
    from herald.review.policy import Policy

ALLOW = "__allow__"
_ASCII_WORD = re.compile(r"[a-z0-9]{3,8}")


@dataclass(frozen=True, slots=True)
class TermEntry:
    term: str
    category: str
    severity: Severity
    tags: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Hit:
    entry: TermEntry
    start: int
    end: int
    """Original-text span [start, end)."""
    how: str = "exact"
    """exact, mixed (pinyin and characters), pinyin, initials or homophone."""


_Found = tuple[int, int, TermEntry, str]
"""(folded start, folded end inclusive, entry, how) of a hit before filtering."""


@dataclass(frozen=True, slots=True)
class _Role:
    kind: str  # term, allow, cue, offer, verb, thing
    entry: TermEntry | None = None
    how: str = "exact"
    rule: int = -1


class TermMatcher:
    def __init__(
        self,
        entries: Iterable[TermEntry],
        allowed: Iterable[str] = (),
        contexts: Iterable[ContextRule] = (),
        policy: "Policy | None" = None,
        pairs: Iterable[PairRule] = (),
    ) -> None:
        self.policy = policy
        """The policy the dictionaries were read with (the engine's, when set)."""
        keys: dict[str, list[_Role]] = defaultdict(list)
        sounds: dict[str, list[tuple[TermEntry, str]]] = defaultdict(list)
        initials: dict[str, list[TermEntry]] = defaultdict(list)
        count = 0
        for entry in entries:
            key = fold_term(entry.term)
            if not key:
                continue
            count += 1
            keys[key].append(_Role("term", entry))
            for spelling, how in spellings(entry.term):
                if how == "initials":
                    initials[spelling].append(entry)
                else:
                    keys[spelling].append(_Role("term", entry, how))
            sound = homophone_key(key)
            if sound is not None:
                sounds[sound].append((entry, key))
        for phrase in allowed:
            keys[fold_term(phrase)].append(_Role("allow"))
        self.contexts = tuple(contexts)
        for i, rule in enumerate(self.contexts):
            for cue in rule.cues:
                keys[fold_term(cue)].append(_Role("cue", rule=i))
            for offer in rule.unless:
                keys[fold_term(offer)].append(_Role("offer", rule=i))
        self.pairs = tuple(pairs)
        for i, pair in enumerate(self.pairs):
            for verb in pair.verbs:
                keys[fold_term(verb)].append(_Role("verb", rule=i))
            for thing in pair.things:
                keys[fold_term(thing)].append(_Role("thing", rule=i))
        keys.pop("", None)
        self.size = count
        self._initials = dict(initials)
        self._initial_words = frozenset(initials)
        self._words = _automaton({as_units(k): (len(k), tuple(v)) for k, v in keys.items()})
        self._sounds = _automaton({k: (len(k) // 2, tuple(v)) for k, v in sounds.items()})

    def find(self, text: str) -> list[Hit]:
        """Every hit in the text, context rules applied."""
        folded = fold(text)
        scene = Scene(len(self.contexts))
        hits: list[_Found] = []
        allowed: list[tuple[int, int]] = []
        sides: dict[tuple[str, int], list[Span]] = defaultdict(list)
        if self._words is not None:
            for end_byte, (length, roles) in self._words.iter(folded.units):
                if end_byte % 2 == 0:
                    continue  # the match straddles two characters' code units
                end = end_byte // 2
                start = end - length + 1
                for role in roles:
                    if role.kind == "term" and _bounded(folded, start, end):
                        hits.append((start, end, role.entry, role.how))
                    elif role.kind == "allow":
                        allowed.append((start, end))
                    elif role.kind in ("cue", "offer"):
                        scene.saw(role.kind, role.rule)
                    elif role.kind in ("verb", "thing"):
                        word = folded.text[start : end + 1]
                        sides[(role.kind, role.rule)].append((start, end, word))
        sides = {k: [w for w in v if not _within(w, allowed)] for k, v in sides.items()}
        hits += self._homophones(folded) + self._pairs(sides) + self._abbreviated(folded)
        kept = [h for h in hits if not _within(h, allowed)]
        kept = [h for h in kept if not scene.clears(h[2], self.contexts)]
        return [
            Hit(entry, *folded.span(s, e + 1), how)
            for s, e, entry, how in kept
            if not any(_covers(o, (s, e), entry) for o in kept)
        ]

    def _pairs(self, sides: dict[tuple[str, int], list[Span]]) -> list[_Found]:
        found: list[_Found] = []
        for i, rule in enumerate(self.pairs):
            verbs, things = sides.get(("verb", i)), sides.get(("thing", i))
            for verb, thing in pairs_of(verbs or [], things or [], rule.window):
                severity = rule.severity or Severity.BLOCK
                entry = TermEntry(f"{verb[2]}+{thing[2]}", rule.category, severity)
                span = (min(verb[0], thing[0]), max(verb[1], thing[1]))
                found.append((*span, entry, f"pair: {rule.name}"))
        return found

    def _abbreviated(self, folded: Folded) -> list[_Found]:
        """Pinyin initials (bjl) written as a word of their own next to Chinese text."""
        if not self._initials:
            return []
        lowered = folded.original.lower()
        words = self._initial_words.intersection(_ASCII_WORD.findall(lowered))
        found: list[_Found] = []
        for word in words:
            for m in re.finditer(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])", lowered):
                if _beside_chinese(lowered, m.start(), m.end()):
                    start, end = folded.at_original(m.start()), folded.at_original(m.end()) - 1
                    found += [(start, end, e, "initials") for e in self._initials[word]]
        return found

    def _homophones(self, folded: Folded) -> list[_Found]:
        if self._sounds is None:
            return []
        found = []
        text = folded.text
        for end_byte, (length, terms) in self._sounds.iter(folded.syllables):
            if end_byte % 2 == 0:
                continue  # the match straddles two characters' codes
            end = end_byte // 2
            start = end - length + 1
            written = text[start : end + 1]
            for entry, key in terms:
                own = sum(a == b for a, b in zip(written, key, strict=True))
                if own < length and own * 2 >= length and not real_word(text, start, key):
                    found.append((start, end, entry, "homophone"))
        return found


def _automaton(keys: dict[str, tuple[int, tuple[object, ...]]]) -> object | None:
    if not keys:
        return None
    automaton = ahocorasick.Automaton()
    for key, value in keys.items():
        automaton.add_word(key, value)
    automaton.make_automaton()
    return automaton


def _within(hit: tuple[int, int, object], allowed: list[tuple[int, int]]) -> bool:
    """Inside an allowed phrase (a thing in 水枪 is no weapon)."""
    return any(a <= hit[0] and hit[1] <= b for a, b in allowed)


def _covers(outer: _Found, inner: tuple[int, int], entry: TermEntry) -> bool:
    """A term hit of the same category covers this one (pairs never hide terms)."""
    if outer[2].category != entry.category or outer[3].startswith("pair"):
        return False
    return _inside(inner, (outer[0], outer[1]))


def _inside(inner: tuple[int, int], outer: tuple[int, int]) -> bool:
    """Strictly inside: 赌场 within 网上赌场 is one hit, not two."""
    return outer[0] <= inner[0] and inner[1] <= outer[1] and inner != outer


def _beside_chinese(text: str, start: int, end: int) -> bool:
    """Is the nearest letter before or after (past spaces and punctuation) Chinese?"""
    before = text[max(0, start - 3) : start].rstrip(" ,.，。:：、!！?？")
    after = text[end : end + 3].lstrip(" ,.，。:：、!！?？")
    return any("\u3400" <= ch <= "\u9fff" for ch in (before[-1:], after[:1]) if ch)


def _bounded(folded: Folded, start: int, end: int) -> bool:
    """An ASCII end of a match must be a word boundary of the original text."""
    text, codes = folded.original, folded.codes
    if _word_char(chr(codes[start])):
        first = int(folded.origin[start])
        if first > 0 and _word_char(text[first - 1]):
            return False
    if _word_char(chr(codes[end])):
        last = int(folded.origin[end])
        if last + 1 < len(text) and _word_char(text[last + 1]):
            return False
    return True


def _word_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()
