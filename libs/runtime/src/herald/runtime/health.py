"""Readiness as a set of named conditions that parts of a service raise and clear."""

import time


class Health:
    def __init__(self) -> None:
        self._problems: dict[str, str] = {}
        self._since: dict[str, float] = {}

    def degraded(self, part: str, why: str) -> None:
        self._problems[part] = why
        self._since.setdefault(part, time.monotonic())

    def ok(self, part: str) -> None:
        self._problems.pop(part, None)
        self._since.pop(part, None)

    @property
    def problems(self) -> dict[str, str]:
        return dict(self._problems)

    @property
    def ready(self) -> bool:
        return not self._problems
