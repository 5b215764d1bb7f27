"""The last lines of a test run: every check skipped on this machine and what enables it.

A skip is otherwise one line among the run's summary; a check that needs a system tool
(promtool, Chromium, kubectl) must not vanish quietly on a machine without it.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

ENABLERS: tuple[tuple[str, str], ...] = (
    ("promtool", "apt-get install -y prometheus"),
    ("chromium", "apt-get install -y chromium chromium-driver fonts-wqy-microhei"),
    ("playwright", "make setup"),
    ("kubectl", "install kubectl: https://kubernetes.io/docs/tasks/tools/"),
    ("uv is not on PATH", "python3 -m pip install --user uv"),
)
"""A word in the skip reason -> the command that enables the check."""
AS_ROOT = "(`make test` runs the apt-get installs itself when run as root)"


def enabler(reason: str) -> str | None:
    lowered = reason.lower()
    return next((command for word, command in ENABLERS if word.lower() in lowered), None)


@dataclass
class Skipped:
    reason: str
    tests: list[str] = field(default_factory=list)

    @property
    def files(self) -> list[str]:
        return sorted({t.split("::", 1)[0] for t in self.tests})


def skipped_checks(reports: Iterable[Any]) -> list[Skipped]:
    """Skip reports grouped by reason (each report: `nodeid` and pytest's `longrepr`)."""
    by_reason: dict[str, Skipped] = defaultdict(lambda: Skipped(""))
    for report in reports:
        reason = _reason(report.longrepr)
        group = by_reason[reason]
        group.reason = reason
        group.tests.append(report.nodeid)
    return sorted(by_reason.values(), key=lambda s: s.reason)


def summary_lines(groups: list[Skipped]) -> list[str]:
    lines: list[str] = []
    for group in groups:
        count = len(group.tests)
        lines.append(f"{group.reason}: {count} test{'s' if count != 1 else ''} skipped")
        lines.append(f"    in {', '.join(group.files)}")
        command = enabler(group.reason)
        lines.append(f"    enable: {command}" if command else "    enable: see the reason above")
    if any((enabler(g.reason) or "").startswith("apt-get") for g in groups):
        lines.append(AS_ROOT)
    return lines


def _reason(longrepr: Any) -> str:
    text = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
    return str(text).removeprefix("Skipped: ").strip()
