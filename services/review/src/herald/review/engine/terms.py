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
from typing import TYPE_CHECKING

from herald.review.engine.context import ContextRule, Scene
from herald.review.engine.entries import Hit, TermEntry
from herald.review.engine.findings import Severity
from herald.review.engine.fold_tables import syllable_table
from herald.review.engine.keys import Role, add_rules, automaton
from herald.review.engine.normalize import Folded, as_bytes, fold, fold_term
from herald.review.engine.pairs import PairRule, Span, pairs_of
from herald.review.engine.spans import Allowed, outermost
from herald.review.engine.variants import homophone_key, real_word, spellings

if TYPE_CHECKING:
    from herald.review.policy import Policy

ALLOW = "__allow__"
__all__ = ["ALLOW", "Hit", "TermEntry", "TermMatcher"]
_LETTERS = re.compile(r"(?<![a-z])[a-z]{3,8}(?![a-z])")


_Found = tuple[int, int, TermEntry, str]
"""(folded start, folded end inclusive, entry, how) of a hit before filtering."""


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
        keys: dict[str, list[Role]] = defaultdict(list)
        sounds: dict[str, list[tuple[TermEntry, str, tuple[int, ...]]]] = defaultdict(list)
        initials: dict[str, list[TermEntry]] = defaultdict(list)
        count = 0
        for entry in entries:
            key = fold_term(entry.term)
            if not key:
                continue
            count += 1
            keys[key].append(Role("term", entry))
            for spelling, how in spellings(entry.term):
                if how == "initials":
                    initials[spelling].append(entry)
                else:
                    keys[spelling].append(Role("term", entry, how))
            sound = homophone_key(key)
            if sound is not None:
                sounds[sound[0]].append((entry, key, sound[1]))
        for phrase in allowed:
            keys[fold_term(phrase)].append(Role("allow"))
        self.contexts, self.pairs = tuple(contexts), tuple(pairs)
        add_rules(keys, self.contexts, self.pairs)
        keys.pop("", None)
        self.size = count
        self._initials = dict(initials)
        self._words = automaton({as_bytes(k): (len(k), tuple(v)) for k, v in keys.items()})
        self._sounds = automaton({k: (len(k), tuple(v)) for k, v in sounds.items()})

    def find(self, text: str) -> list[Hit]:
        """Every hit in the text, context rules applied."""
        folded = fold(text)
        matches = list(self._words.iter(folded.utf8)) if self._words is not None else []
        hits = self._homophones(folded) + self._abbreviated(folded)
        if not matches and not hits:
            return []
        scene = Scene(len(self.contexts))
        allowed: list[tuple[int, int]] = []
        sides: dict[tuple[str, int], list[Span]] = defaultdict(list)
        ends = folded.chars_at([m[0] for m in matches]) if matches else []
        for end, (_, (length, roles)) in zip(ends, matches, strict=True):
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
        innocent = Allowed(allowed)
        if sides:
            sides = {k: [w for w in v if not innocent.covers(*w[:2])] for k, v in sides.items()}
            hits += self._pairs(sides)
        kept = [h for h in hits if not innocent.covers(h[0], h[1])]
        kept = [h for h in kept if not scene.clears(h[2], self.contexts)]
        shapes = [(s, e, entry.category, how.startswith("pair")) for s, e, entry, how in kept]
        return [
            Hit(kept[i][2], *folded.span(kept[i][0], kept[i][1] + 1), kept[i][3])
            for i in outermost(shapes)
        ]

    def _pairs(self, sides: dict[tuple[str, int], list[Span]]) -> list[_Found]:
        found: list[_Found] = []
        for i in sorted({i for _, i in sides}):
            rule = self.pairs[i]
            verbs, things = sides.get(("verb", i)), sides.get(("thing", i))
            for verb, thing in pairs_of(verbs or [], things or [], rule.window):
                severity = rule.severity or Severity.BLOCK
                entry = TermEntry(f"{verb[2]}+{thing[2]}", rule.category, severity, rule.tags)
                span = (min(verb[0], thing[0]), max(verb[1], thing[1]))
                found.append((*span, entry, f"pair: {rule.name}"))
        return found

    def _abbreviated(self, folded: Folded) -> list[_Found]:
        """Pinyin initials (bjl) as a run of ASCII letters of their own beside Chinese
        (`最火bjl平台`; not inside English, where spaces are folded away)."""
        if not self._initials:
            return []
        text = folded.text
        found: list[_Found] = []
        for m in _LETTERS.finditer(text):
            start, end = m.span()
            if (start and text[start - 1] >= "\u2e80") or (
                end < len(text) and text[end] >= "\u2e80"
            ):
                found += [(start, end - 1, e, "initials") for e in self._initials.get(m[0], ())]
        return found

    def _homophones(self, folded: Folded) -> list[_Found]:
        stream, where = folded.han
        if self._sounds is None or not stream:
            return []
        found: list[_Found] = []
        text = folded.text
        syllables = syllable_table()
        for end, (length, terms) in self._sounds.iter(stream):
            start, last = int(where[end - length + 1]), int(where[end])
            if last - start != length - 1:
                continue  # the characters are not next to each other in the text
            written = text[start : last + 1]
            heard = tuple(int(n) for n in syllables.take(folded.codes[start : last + 1]))
            for entry, key, sounds in terms:
                own = sum(a == b for a, b in zip(written, key, strict=True))
                near = heard == sounds and length > own and own * 2 >= length
                if near and not real_word(text, start, key):
                    found.append((start, last, entry, "homophone"))
        return found


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
