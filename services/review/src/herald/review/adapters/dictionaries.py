"""Sensitive-term dictionaries: the defaults shipped with review plus an operator folder,
rebuilt into a new matcher whenever a file in the folder changes (no restart).

A folder holds `<category>.txt` files (a new name is a new, operator-defined category)
and `allow.txt`. Lines: `term`, `term | hold` (per-term severity), `!term` (drop a
default term), `# comment`.
"""

import os
from dataclasses import dataclass
from pathlib import Path

import structlog

from herald.review.engine.findings import Severity
from herald.review.engine.terms import TermEntry, TermMatcher
from herald.review.policy import Policy

log = structlog.get_logger(__name__)
DEFAULTS = Path(__file__).parent.parent / "dictionaries"
ALLOW_FILE = "allow"


@dataclass(frozen=True, slots=True)
class Parsed:
    entries: dict[str, TermEntry]
    dropped: set[str]
    allowed: list[str]


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
                term, _, severity = (part.strip() for part in line.partition("|"))
                level = Severity(severity) if severity else policy.severity_of(category)
                into.entries[term.casefold()] = TermEntry(term, category, level)


def signature(folder: Path | None) -> tuple[tuple[str, int, int], ...]:
    """What changes when an operator edits, adds or removes a dictionary file."""
    if folder is None or not folder.is_dir():
        return ()
    found = []
    for entry in os.scandir(folder):
        if entry.name.endswith(".txt"):
            st = entry.stat()
            found.append((entry.name, st.st_mtime_ns, st.st_size))
    return tuple(sorted(found))


def build_matcher(policy: Policy, folder: Path | None) -> TermMatcher:
    parsed = Parsed({}, set(), [])
    parse_folder(DEFAULTS, policy, parsed)
    if folder is not None and folder.is_dir():
        parse_folder(folder, policy, parsed)
    entries = [e for k, e in parsed.entries.items() if k not in parsed.dropped]
    return TermMatcher(entries, parsed.allowed)


class Dictionaries:
    """The current matcher; `refresh()` rebuilds it if the operator folder changed."""

    def __init__(self, policy: Policy, folder: str | None) -> None:
        self._policy = policy
        self._folder = Path(folder) if folder else None
        self._signature = signature(self._folder)
        self._matcher = build_matcher(policy, self._folder)
        self.reloads = 0

    def matcher(self) -> TermMatcher:
        return self._matcher

    def refresh(self) -> bool:
        current = signature(self._folder)
        if current == self._signature:
            return False
        try:
            self._matcher = build_matcher(self._policy, self._folder)
        except (OSError, ValueError, UnicodeDecodeError):
            log.exception("dictionary_reload_failed", folder=str(self._folder))
            return False
        self._signature = current
        self.reloads += 1
        log.info("dictionaries_reloaded", folder=str(self._folder), terms=self._matcher.size)
        return True
