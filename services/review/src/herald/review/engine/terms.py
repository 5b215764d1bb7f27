"""Sensitive terms, their evasions, innocent phrases and context cues: one pass.

Every dictionary term, its pinyin spellings (see variants), the allow-list's innocent
phrases and the context rules' cues are folded like the texts (see normalize) and live
in one Aho-Corasick automaton (see keys) over the folded text, with the repost markers
the source rule asks for (one pass serves both). Homophones of long terms are found by
a second automaton over the text's syllables, initials beside it (see sounds). Then:

- a term inside an allowed phrase (水枪 holds 枪) is not a hit;
- a term whose spelling begins or ends in ASCII must begin or end at a word boundary of
  the original text, so `gun` does not fire inside `begun`;
- a homophone counts when at least half its characters are the term's own;
- a shorter term inside a longer one of the same category is reported once;
- a context rule clears hits its cues explain (see context), unless the text also offers.
"""

from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from herald.review.engine.context import ContextRule, Scene
from herald.review.engine.entries import Hit, TermEntry
from herald.review.engine.findings import Severity
from herald.review.engine.keys import Role, add_rules, automaton
from herald.review.engine.normalize import Folded, fold, fold_term
from herald.review.engine.pairs import PairRule, Span, pairs_of
from herald.review.engine.sightings import Found, Marked, sort_matches
from herald.review.engine.sounds import Heard, homophones, initials
from herald.review.engine.spans import Allowed, outermost
from herald.review.engine.variants import homophone_key, spellings
from herald.review.policy import SourcePolicy

if TYPE_CHECKING:
    from herald.review.policy import Policy

ALLOW = "__allow__"
__all__ = ["ALLOW", "Hit", "Marked", "TermEntry", "TermMatcher"]
MARKER_MIN = 4
"""A marker folded to fewer Latin letters (`rt @` is `rt`) would match inside every
other English word: the source rule looks for those itself."""


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
        sounds: dict[str, list[Heard]] = defaultdict(list)
        letters: dict[str, list[TermEntry]] = defaultdict(list)
        count = 0
        for entry in entries:
            key = fold_term(entry.term)
            if not key:
                continue
            count += 1
            keys[key].append(Role("term", entry))
            for spelling, how in spellings(entry.term):
                if how == "initials":
                    letters[spelling].append(entry)
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
        self._initials = dict(letters)
        self._words = automaton({k: tuple(v) for k, v in keys.items()})
        self._sounds = automaton({k.encode("latin-1"): tuple(v) for k, v in sounds.items()})

    def find(self, text: str | Folded) -> list[Hit]:
        """Every hit in the text (or in a text already folded), context rules applied."""
        return self.scan(fold(text) if isinstance(text, str) else text)[0]

    def scan(self, folded: Folded) -> tuple[list[Hit], list[Marked]]:
        """Every hit in a folded text, context rules applied, and where a repost marker
        may be (folded start, end exclusive, index in `markers`)."""
        matches = self._words.search(folded.text, True) if self._words is not None else []
        extra = homophones(folded, self._sounds) + initials(folded, self._initials)
        if not matches and not extra:
            return [], []
        seen = sort_matches(folded, matches, self._words.values if self._words else [])
        seen.hits += extra
        if not seen.hits and not seen.sides:
            return [], seen.marked
        # No innocent phrase covers nothing, and without a cue no context rule clears
        # anything: most texts with a hit have neither, and skip that bookkeeping.
        innocent = Allowed(seen.allowed) if seen.allowed else None
        if seen.sides:
            sides = {
                k: [w for w in v if innocent is None or not innocent.covers(*w[:2])]
                for k, v in seen.sides.items()
            }
            seen.hits += self._pairs(sides)
        kept = seen.hits
        if innocent is not None:
            kept = [h for h in kept if not innocent.covers(h[0], h[1])]
        if seen.cues:
            scene = Scene(len(self.contexts))
            for rule in seen.cues:
                scene.saw("cue", rule)
            for start, end, rule in seen.offers:
                if innocent is None or not innocent.covers(start, end):  # 要求下载 in a warning
                    scene.saw("offer", rule)
            kept = [h for h in kept if not scene.clears(h[2], self.contexts)]
        if len(kept) == 1:  # nothing for it to lie inside
            chosen: list[int] | range = range(1)
        else:
            shapes = [(s, e, entry.category, how.startswith("pair")) for s, e, entry, how in kept]
            chosen = outermost(shapes)
        found = [
            Hit(kept[i][2], *folded.span(kept[i][0], kept[i][1] + 1), kept[i][3]) for i in chosen
        ]
        return found, seen.marked

    def _pairs(self, sides: dict[tuple[str, int], list[Span]]) -> list[Found]:
        found: list[Found] = []
        for i in sorted({i for _, i in sides}):
            rule = self.pairs[i]
            verbs, things = sides.get(("verb", i)), sides.get(("thing", i))
            for verb, thing in pairs_of(verbs or [], things or [], rule.window):
                severity = rule.severity or Severity.BLOCK
                entry = TermEntry(f"{verb[2]}+{thing[2]}", rule.category, severity, rule.tags)
                span = (min(verb[0], thing[0]), max(verb[1], thing[1]))
                found.append((*span, entry, f"pair: {rule.name}"))
        return found
