"""The keys of the matcher's automaton and what each stands for (its roles): a term or
one of its spellings, an allowed phrase, a context rule's cue or offer, a pair rule's
verb or thing. Several roles can share one key."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

import ahocorasick_rs

from herald.review.engine.context import ContextRule
from herald.review.engine.entries import TermEntry
from herald.review.engine.normalize import fold_term
from herald.review.engine.pairs import PairRule


@dataclass(frozen=True, slots=True)
class Role:
    kind: str  # term, allow, cue, offer, verb, thing, marker
    entry: TermEntry | None = None
    how: str = "exact"
    rule: int = -1


def add_rules(
    keys: dict[str, list[Role]], contexts: tuple[ContextRule, ...], pairs: tuple[PairRule, ...]
) -> None:
    """Context cues and offers, pair verbs and things: keys of the same automaton."""
    for i, rule in enumerate(contexts):
        for cue in rule.cues:
            keys[fold_term(cue)].append(Role("cue", rule=i))
        for offer in rule.unless:
            keys[fold_term(offer)].append(Role("offer", rule=i))
    for i, pair in enumerate(pairs):
        for verb in pair.verbs:
            keys[fold_term(verb)].append(Role("verb", rule=i))
        for thing in pair.things:
            keys[fold_term(thing)].append(Role("thing", rule=i))


V = TypeVar("V")
_Find = Callable[[Any, bool], list[tuple[int, int, int]]]
_STANDARD = ahocorasick_rs.MatchKind.Standard
"""The only kind that reports overlapping matches (百家乐 and 家乐 both)."""
_DFA = ahocorasick_rs.Implementation.DFA
DFA_MAX_KEYS = 10_000
"""Up to this many keys, an automaton over bytes (the homophones' syllables) is a DFA:
a third faster to search than the default (one table step a byte), about 14 MB for the
4,000 keys of a 10,000-term dictionary. The automaton of words (tens of thousands of
keys, every pinyin spelling) stays the default: as a DFA it would take 170 MB."""


class Automaton(Generic[V]):
    """Every key in one Aho-Corasick automaton (the Rust `aho-corasick` crate's, several
    times faster than a pointer trie) and the value each key stands for. `find` gives
    every match, overlapping ones too, as (key index, start, end) in characters of the
    text (end exclusive), or in bytes when the keys are bytes."""

    def __init__(self, keys: Mapping[str, V] | Mapping[bytes, V]) -> None:
        patterns = list(keys)
        self.values: list[V] = list(keys.values())
        if patterns and isinstance(patterns[0], bytes):
            dfa = _DFA if len(patterns) <= DFA_MAX_KEYS else None
            found: _Find = ahocorasick_rs.BytesAhoCorasick(
                cast(list[bytes], patterns), matchkind=_STANDARD, implementation=dfa
            ).find_matches_as_indexes
        else:
            found = ahocorasick_rs.AhoCorasick(
                cast(list[str], patterns), matchkind=_STANDARD
            ).find_matches_as_indexes
        self.search = found
        """`search(text, True)`: every match. The Rust method itself, which the matcher
        calls on every request (a method of this class would add a Python call)."""

    def find(self, text: str | bytes) -> list[tuple[int, int, int]]:
        return self.search(text, True)


def automaton(keys: Mapping[str, V] | Mapping[bytes, V]) -> Automaton[V] | None:
    return Automaton(keys) if keys else None
