"""The keys of the matcher's automaton and what each stands for (its roles): a term or
one of its spellings, an allowed phrase, a context rule's cue or offer, a pair rule's
verb or thing. Several roles can share one key."""

from dataclasses import dataclass
from typing import Any

import ahocorasick  # type: ignore[import-not-found]

from herald.review.engine.context import ContextRule
from herald.review.engine.entries import TermEntry
from herald.review.engine.normalize import fold_term
from herald.review.engine.pairs import PairRule


@dataclass(frozen=True, slots=True)
class Role:
    kind: str  # term, allow, cue, offer, verb, thing
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


def automaton(keys: dict[str, tuple[int, tuple[object, ...]]]) -> Any:
    if not keys:
        return None
    automaton = ahocorasick.Automaton()
    for key, value in keys.items():
        automaton.add_word(key, value)
    automaton.make_automaton()
    return automaton
