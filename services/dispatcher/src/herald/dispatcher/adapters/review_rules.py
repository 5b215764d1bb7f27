"""Review's policy file, read for what the last check needs: its `links` section,
`format.title_max` and `sms.max_segments` (the rest is review's own business).

The same file review reads (`REVIEW_POLICY_FILE`, JSON, or TOML when its name ends in
`.toml`); no file, or a section it leaves out, means review's defaults. Read at
start-up, then again whenever the file changes (`RulesFile.changed`, polled as review polls
it): a file that no longer parses keeps the rules in force and says why in the log.
"""

import json
import os
import tomllib
from pathlib import Path
from typing import Any

import structlog
from pydantic import BaseModel, ConfigDict, Field

from herald.contracts import Channel
from herald.contracts.limits import SMS_MAX_SEGMENTS, TITLE_MAX
from herald.dispatcher.domain.final_check import SendRules
from herald.policy import LinkPolicy

log = structlog.get_logger(__name__)


class _Format(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    title_max: dict[Channel, int] = Field(default_factory=lambda: dict(TITLE_MAX))


class _Sms(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    max_segments: int = Field(default=SMS_MAX_SEGMENTS, ge=1)


class _Policy(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    links: LinkPolicy = Field(default_factory=LinkPolicy)
    format: _Format = Field(default_factory=_Format)
    sms: _Sms = Field(default_factory=_Sms)


def parse_rules(data: dict[str, Any]) -> SendRules:
    """The rules of a policy document (unknown sections ignored, known ones validated
    as review validates them)."""
    policy = _Policy.model_validate(data)
    return SendRules(policy.links, policy.format.title_max, policy.sms.max_segments)


def load_rules(path: str | None) -> SendRules:
    if not path:
        return SendRules()
    text = Path(path).read_text(encoding="utf-8")
    data = tomllib.loads(text) if path.endswith(".toml") else json.loads(text or "{}")
    return parse_rules(data)


class RulesFile:
    """The policy file as last read: `changed` gives the new rules when the file changed
    (its modification time or size) and parses, else None."""

    def __init__(self, path: str | None) -> None:
        self._path = path
        self._seen = self._signature()
        self.rules = load_rules(path)

    def _signature(self) -> tuple[int, int] | None:
        if not self._path:
            return None
        try:
            st = os.stat(self._path)
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def changed(self) -> SendRules | None:
        seen = self._signature()
        if seen == self._seen or seen is None:
            return None  # unchanged, or gone for a moment (a replace): keep what holds
        self._seen = seen
        try:
            self.rules = load_rules(self._path)
        except (OSError, ValueError) as e:  # JSON/TOML and validation errors are ValueErrors
            log.warning("review_policy_unreadable", path=self._path, error=str(e)[:500])
            return None
        log.info("review_policy_reloaded", path=self._path)
        return self.rules
