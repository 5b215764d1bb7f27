"""Pair rules: an offer is a verb near a thing. `出售` alone is commerce and `银行卡`
alone is banking, but `出售…银行卡`, `银行卡高价回收`, `出租…微信号` within a few
characters of each other is trading in identities, whatever words sit between. Listing
the verbs and the things once covers every combination and word order, which is how a
dictionary generalises to offers it has never seen.

Rules are read from the dictionaries' `pairs.toml` (see docs/review-rules.md); both
lists are folded and matched in the same pass as the terms.
"""

from dataclasses import dataclass
from pathlib import Path

from herald.review.engine.context import strings, tables
from herald.review.engine.findings import Severity

Span = tuple[int, int, str]
"""(start, end, the folded word) of a verb or a thing in the folded text."""


@dataclass(frozen=True, slots=True)
class PairRule:
    name: str
    category: str
    verbs: tuple[str, ...]
    things: tuple[str, ...]
    window: int = 12
    """At most this many folded characters between the verb and the thing."""
    severity: Severity | None = None
    """None: the category's severity in the policy."""
    tags: frozenset[str] = frozenset()
    """Tags of what the rule finds, which context rules can name."""


def pairs_of(verbs: list[Span], things: list[Span], window: int) -> list[tuple[Span, Span]]:
    """Each thing with its nearest verb within the window (either side), once."""
    found = []
    for thing in things:
        near = [
            v
            for v in verbs
            if (v[1] < thing[0] and thing[0] - v[1] <= window)
            or (thing[1] < v[0] and v[0] - thing[1] <= window)
        ]
        if near:
            verb = min(near, key=lambda v: min(abs(thing[0] - v[1]), abs(v[0] - thing[1])))
            found.append((verb, thing))
    return found


_PAIR_KEYS = frozenset({"name", "category", "verbs", "things", "window", "severity", "tags"})


def parse_pairs(path: Path) -> list[PairRule]:
    """The `[[pair]]` tables of a pairs.toml."""
    rules = []
    for name, where, raw in tables(path, "pair", _PAIR_KEYS):
        if not raw.get("category"):
            raise ValueError(f"{where}: needs a category")
        window = raw.get("window", 12)
        if not isinstance(window, int) or not 0 <= window <= 40:
            raise ValueError(f"{where}: window must be an integer from 0 to 40")
        severity = raw.get("severity")
        rules.append(
            PairRule(
                name=str(raw.get("name", name)),
                category=str(raw["category"]),
                verbs=strings(raw, "verbs", where),
                things=strings(raw, "things", where),
                window=window,
                severity=Severity(severity) if severity else None,
                tags=frozenset(strings(raw, "tags", where)),
            )
        )
    return rules
