"""Review's policy file, read for what the last check needs: its `links` section,
`format.title_max` and `sms.max_segments` (the rest is review's own business).

The same file review reads (`REVIEW_POLICY_FILE`, JSON, or TOML when its name ends in
`.toml`); no file, or a section it leaves out, means review's defaults. Read once at
start-up: restart the dispatcher when the file changes (review reloads it by itself).
"""

import json
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from herald.contracts import Channel
from herald.contracts.limits import SMS_MAX_SEGMENTS, TITLE_MAX
from herald.dispatcher.domain.final_check import SendRules
from herald.policy import LinkPolicy


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
