"""Context rules: when the rest of a request explains a term, the term is not a hit.

An anti-fraud warning names the fraud (谨防刷单诈骗), an anti-drug campaign names the
drugs, a police report names the crime, a package insert names the controlled medicine.
A rule lists its `cues` (警惕, 禁毒, 警方破获, 遵医嘱) and the categories (and, if it
says so, only the entries carrying one of its `tags`) it clears; a cue anywhere in the
request clears those hits. Its `unless` phrases are what an offer says (加微信, 下载,
注册送, 价格): if any is present the warning is a disguise and nothing is cleared.
Rules are read from the dictionaries' `context.toml` (see docs/review-rules.md).
"""

import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from herald.review.engine.entries import TermEntry


@dataclass(frozen=True, slots=True)
class ContextRule:
    name: str
    categories: frozenset[str]
    cues: tuple[str, ...]
    unless: tuple[str, ...] = ()
    tags: frozenset[str] = frozenset()
    """When set, only entries with one of these tags are cleared."""
    keep: frozenset[str] = frozenset()
    """Entries with one of these tags are never cleared (threats)."""

    def covers(self, entry: "TermEntry") -> bool:
        if entry.category not in self.categories and "*" not in self.categories:
            return False
        if self.keep & entry.tags:
            return False
        return not self.tags or bool(self.tags & entry.tags)


class Scene:
    """Which rules' cues and offers one text showed."""

    def __init__(self, rules: int) -> None:
        self.cued = [False] * rules
        self.offered = [False] * rules

    def saw(self, kind: str, rule: int) -> None:
        (self.cued if kind == "cue" else self.offered)[rule] = True

    def clears(self, entry: "TermEntry", rules: tuple[ContextRule, ...]) -> bool:
        return any(
            self.cued[i] and not self.offered[i] and rule.covers(entry)
            for i, rule in enumerate(rules)
        )


Table = tuple[str, str, dict[str, Any]]
"""A rule's table: its default name (`pair 2`), where it is for errors (`pairs.toml pair
2`), its keys."""


def tables(path: Path, kind: str, keys: frozenset[str]) -> Iterator[Table]:
    """The `[[kind]]` tables of a TOML file; a key not in `keys` is an error. The pair
    rules are read the same way (see pairs)."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    for i, raw in enumerate(data.get(kind, [])):
        name = f"{kind} {i + 1}"
        where = f"{path.name} {name}"
        unknown = set(raw) - keys
        if unknown:
            raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
        yield name, where, raw


def strings(raw: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    """`raw[key]` (none: empty), a list of strings, each stripped, the blank ones left out."""
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{where}: {key} must be a list of strings")
    return tuple(v.strip() for v in value if v.strip())


_RULE_KEYS = frozenset({"name", "categories", "cues", "unless", "tags", "keep"})


def parse_contexts(path: Path) -> list[ContextRule]:
    """The `[[rule]]` tables of a context.toml (see docs/review-rules.md)."""
    return [
        ContextRule(
            name=str(raw.get("name", name)),
            categories=frozenset(strings(raw, "categories", where)),
            cues=strings(raw, "cues", where),
            unless=strings(raw, "unless", where),
            tags=frozenset(strings(raw, "tags", where)),
            keep=frozenset(strings(raw, "keep", where)),
        )
        for name, where, raw in tables(path, "rule", _RULE_KEYS)
    ]
