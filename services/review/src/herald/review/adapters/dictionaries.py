"""Sensitive-term dictionaries and the policy they are read with: the defaults shipped
here plus an operator folder, rebuilt into a new matcher whenever a file in the folder
or the policy file changes (no restart).

A folder holds `<category>.txt` files (a new name is a new, operator-defined category),
`allow.txt`, `context.toml` (context rules) and `pairs.toml` (verb-near-thing rules).
Lines: `term`, `term | hold` (per-term severity), `term | | tag another` (tags that
context rules can name), `!term` (drop a default term), `# comment`.
"""

import os
from dataclasses import dataclass, replace
from pathlib import Path

import structlog

from herald.review.engine.context import ContextRule, parse_contexts
from herald.review.engine.findings import Severity
from herald.review.engine.pairs import PairRule, parse_pairs
from herald.review.engine.terms import TermEntry, TermMatcher
from herald.review.policy import Policy, load_policy

log = structlog.get_logger(__name__)
DEFAULTS = Path(__file__).parent.parent / "dictionaries"
ALLOW_FILE = "allow"
CONTEXT_FILE = "context.toml"
PAIRS_FILE = "pairs.toml"


@dataclass(frozen=True, slots=True)
class Parsed:
    entries: dict[str, TermEntry]
    dropped: set[str]
    allowed: list[str]
    contexts: list[ContextRule]
    pairs: list[PairRule]


def _entry(line: str, category: str, policy: Policy) -> TermEntry:
    term, severity, tags = ([*(p.strip() for p in line.split("|")), "", ""])[:3]
    level = Severity(severity) if severity else policy.severity_of(category)
    return TermEntry(term, category, level, frozenset(tags.split()))


def parse_folder(folder: Path, policy: Policy, into: Parsed) -> None:
    for path in sorted(folder.glob("*.txt")):
        category = path.stem
        for raw in path.read_text(encoding="utf-8").splitlines():
            line = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
            if not line:
                continue
            if category == ALLOW_FILE:
                into.allowed.append(line)
            elif line.startswith("!"):
                into.dropped.add(line[1:].strip().casefold())
            else:
                entry = _entry(line, category, policy)
                into.entries[entry.term.casefold()] = entry
    if (folder / CONTEXT_FILE).is_file():
        into.contexts.extend(parse_contexts(folder / CONTEXT_FILE))
    if (folder / PAIRS_FILE).is_file():
        for rule in parse_pairs(folder / PAIRS_FILE):
            severity = rule.severity or policy.severity_of(rule.category)
            into.pairs.append(replace(rule, severity=severity))


def _stat(path: Path) -> tuple[str, int, int]:
    st = path.stat()
    return (str(path), st.st_mtime_ns, st.st_size)


def signature(folder: Path | None, policy_file: str | None = None) -> tuple[object, ...]:
    """What changes when an operator edits, adds or removes a dictionary file, or edits
    the policy file."""
    found: list[object] = []
    if policy_file and Path(policy_file).is_file():
        found.append(_stat(Path(policy_file)))
    if folder is None or not folder.is_dir():
        return tuple(found)
    for entry in os.scandir(folder):
        if entry.name.endswith((".txt", ".toml")):
            st = entry.stat()
            found.append((entry.name, st.st_mtime_ns, st.st_size))
    return tuple(sorted(found, key=str))


def build_matcher(policy: Policy, folder: Path | None) -> TermMatcher:
    parsed = Parsed({}, set(), [], [], [])
    parse_folder(DEFAULTS, policy, parsed)
    if folder is not None and folder.is_dir():
        parse_folder(folder, policy, parsed)
    entries = [e for k, e in parsed.entries.items() if k not in parsed.dropped]
    live = policy if policy.path else None  # a policy from a file is reloaded with it
    return TermMatcher(entries, parsed.allowed, parsed.contexts, live, parsed.pairs)


class Dictionaries:
    """The current matcher and policy; `refresh()` rebuilds them if the operator folder
    or the policy file changed. A file that fails to load keeps the last good ones."""

    def __init__(self, policy: Policy, folder: str | None) -> None:
        self._policy = policy
        self._folder = Path(folder) if folder else None
        self._signature = signature(self._folder, policy.path)
        self._matcher = build_matcher(policy, self._folder)
        self.reloads = 0

    def matcher(self) -> TermMatcher:
        return self._matcher

    @property
    def policy(self) -> Policy:
        return self._policy

    def refresh(self) -> bool:
        current = signature(self._folder, self._policy.path)
        if current == self._signature:
            return False
        try:
            policy = load_policy(self._policy.path) if self._policy.path else self._policy
            matcher = build_matcher(policy, self._folder)
        except (OSError, ValueError, UnicodeDecodeError):
            log.exception("dictionary_reload_failed", folder=str(self._folder))
            return False
        self._policy, self._matcher = policy, matcher
        self._signature = current
        self.reloads += 1
        log.info("dictionaries_reloaded", folder=str(self._folder), terms=self._matcher.size)
        return True
