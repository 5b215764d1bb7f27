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
from herald.review.engine.normalize import Folded, fold, fold_term
from herald.review.engine.pairs import PairRule, Span, pairs_of
from herald.review.engine.spans import Allowed, outermost
from herald.review.engine.variants import homophone_key, real_word, spellings
from herald.review.policy import SourcePolicy

if TYPE_CHECKING:
    from herald.review.policy import Policy

ALLOW = "__allow__"
__all__ = ["ALLOW", "Hit", "TermEntry", "TermMatcher"]
_AFTER_HAN = re.compile(rb"haaaa{0,5}+(?!a)")
"""In the folded text's marks (see Folded.marks), Chinese then a whole run of three to
eight Latin letters. Its literal start `haaa` is searched for in C; the same pattern
over the reversed marks finds the runs that end before Chinese."""


MARKER_MIN = 4
"""A marker folded to fewer Latin letters (`rt @` is `rt`) would match inside every
other English word: the source rule looks for those itself."""
Marked = tuple[int, int, int]
"""(folded start, end exclusive, index) of a repost marker's folded form."""
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
        markers: Iterable[str] | None = None,
    ) -> None:
        self.policy = policy
        """The policy the dictionaries were read with (the engine's, when set)."""
        self.markers = tuple(SourcePolicy().repost_markers if markers is None else markers)
        """Repost markers (转载, 来源：) found in the same pass for the source rule, which
        uses them when they are its policy's (see rule_source)."""
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
        for i, marker in enumerate(self.markers):
            key = fold_term(marker)
            if not key.isascii() or len(key) >= MARKER_MIN:
                keys[key].append(Role("marker", rule=i))
        self.contexts, self.pairs = tuple(contexts), tuple(pairs)
        add_rules(keys, self.contexts, self.pairs)
        keys.pop("", None)
        self.size = count
        self._initials = dict(initials)
        self._words = automaton({k: tuple(v) for k, v in keys.items()})
        self._sounds = automaton({k.encode("latin-1"): tuple(v) for k, v in sounds.items()})

    def find(self, text: str | Folded) -> list[Hit]:
        """Every hit in the text (or in a text already folded), context rules applied."""
        return self.scan(fold(text) if isinstance(text, str) else text)[0]

    def scan(self, folded: Folded) -> tuple[list[Hit], list[Marked]]:
        """Every hit in a folded text, context rules applied, and where a repost marker
        may be (folded start, end exclusive, index in `markers`)."""
        matches = self._words.find(folded.text) if self._words is not None else []
        hits = self._homophones(folded) + self._abbreviated(folded)
        marked: list[Marked] = []
        if not matches and not hits:
            return [], marked
        scene = Scene(len(self.contexts))
        offers: list[tuple[int, int, int]] = []
        allowed: list[tuple[int, int]] = []
        sides: dict[tuple[str, int], list[Span]] = defaultdict(list)
        values = self._words.values if self._words is not None else []
        for key, start, stop in matches:
            end = stop - 1
            for role in values[key]:
                if role.entry is not None:  # a term or one of its spellings
                    if _bounded(folded, start, end):
                        hits.append((start, end, role.entry, role.how))
                elif role.kind == "allow":
                    allowed.append((start, end))
                elif role.kind == "cue":
                    scene.saw(role.kind, role.rule)
                elif role.kind == "offer":
                    offers.append((start, end, role.rule))
                elif role.kind in ("verb", "thing"):
                    word = folded.text[start : end + 1]
                    sides[(role.kind, role.rule)].append((start, end, word))
                elif role.kind == "marker":
                    marked.append((start, stop, role.rule))
        if not hits and not sides:
            return [], marked
        innocent = Allowed(allowed)
        for start, end, rule in offers:
            if not innocent.covers(start, end):  # 要求下载 in a warning offers nothing
                scene.saw("offer", rule)
        if sides:
            sides = {k: [w for w in v if not innocent.covers(*w[:2])] for k, v in sides.items()}
            hits += self._pairs(sides)
        kept = [h for h in hits if not innocent.covers(h[0], h[1])]
        kept = [h for h in kept if not scene.clears(h[2], self.contexts)]
        shapes = [(s, e, entry.category, how.startswith("pair")) for s, e, entry, how in kept]
        found = [
            Hit(kept[i][2], *folded.span(kept[i][0], kept[i][1] + 1), kept[i][3])
            for i in outermost(shapes)
        ]
        return found, marked

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
        marks, text = folded.marks, folded.text
        size = len(marks)
        runs = {(m.start() + 1, m.end()) for m in _AFTER_HAN.finditer(marks)}
        runs |= {(size - m.end(), size - m.start() - 1) for m in _AFTER_HAN.finditer(marks[::-1])}
        return [
            (start, end - 1, e, "initials")
            for start, end in runs
            for e in self._initials.get(text[start:end], ())
        ]

    def _homophones(self, folded: Folded) -> list[_Found]:
        if self._sounds is None:
            return []
        stream, where = folded.han
        if not stream:
            return []
        found: list[_Found] = []
        text = folded.text
        syllables = syllable_table()
        for index, first, stop in self._sounds.find(stream):
            start, last = int(where[first]), int(where[stop - 1])
            if last - start != stop - first - 1:
                continue  # the characters are not next to each other in the text
            length = stop - first
            written = text[start : last + 1]
            heard = tuple(int(n) for n in syllables.take(folded.codes[start : last + 1]))
            for entry, key, sounds in self._sounds.values[index]:
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
