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


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{where} must be a list of strings")
    return tuple(v.strip() for v in value if v.strip())


def parse_contexts(path: Path) -> list[ContextRule]:
    """The `[[rule]]` tables of a context.toml (see docs/review-rules.md)."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    rules = []
    for i, raw in enumerate(data.get("rule", [])):
        where = f"{path.name} rule {i + 1}"
        unknown = set(raw) - {"name", "categories", "cues", "unless", "tags", "keep"}
        if unknown:
            raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
        rules.append(
            ContextRule(
                name=str(raw.get("name", f"rule {i + 1}")),
                categories=frozenset(_strings(raw.get("categories", []), where)),
                cues=_strings(raw.get("cues", []), where),
                unless=_strings(raw.get("unless", []), where),
                tags=frozenset(_strings(raw.get("tags", []), where)),
                keep=frozenset(_strings(raw.get("keep", []), where)),
            )
        )
    return rules
