"""The operators' review policy: every rule's knobs, human review and the strike ladder.

Loaded from `REVIEW_POLICY_FILE` (JSON or TOML) at start-up and again whenever the file
changes (see dictionaries.Dictionaries.refresh); every field has a default, so an empty
file (or none) means the defaults documented in docs/review-rules.md.
"""

import json
import tomllib
from pathlib import Path
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from herald.contracts import Category, Channel
from herald.contracts.internal import Standing
from herald.policy import links
from herald.review.engine.findings import Severity
from herald.review.violations_policy import ViolationsPolicy


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# fmt: off
ROLE_MAILBOXES = (
    "support", "service", "help", "info", "contact", "noreply", "no-reply", "kefu", "admin",
    "hr", "sales", "marketing", "press", "feedback",
)
# fmt: on
SHORTENERS = links.SHORTENERS
LinkPolicy = links.LinkPolicy
"""Links: herald.policy's, shared with the dispatcher (see libs/policy)."""


class SmsPolicy(_Model):
    max_segments: int = Field(default=3, ge=1)
    require_signature: bool = True
    opt_out_hints: tuple[str, ...] = (
        "回T退订",
        "退订回T",
        "回TD退订",
        "回N退订",
        "拒收请回复R",
        "reply STOP",
        "STOP to opt out",
        "text STOP",
    )
    opt_out_categories: tuple[Category, ...] = (Category.MARKETING,)


class FormatPolicy(_Model):
    title_max: dict[Channel, int] = Field(
        default_factory=lambda: {
            Channel.APP_PUSH: 50,
            Channel.IN_APP: 100,
            Channel.EMAIL: 100,
            Channel.WEBHOOK: 100,
        }
    )
    max_images: int = 9
    video_min_s: float = 1.0
    video_max_s: float = 300.0


class SocialPolicy(_Model):
    """The social channel (WeChat template messages): value limits and no marketing."""

    title_max: int = Field(default=20, ge=1)
    body_max: int = Field(default=20, ge=1)
    """A WeChat `thing` value: at most 20 characters."""
    marketing: Severity = Severity.BLOCK


class PersonalDataPolicy(_Model):
    mobile: Severity = Severity.HOLD
    id_number: Severity = Severity.BLOCK
    bank_card: Severity = Severity.BLOCK
    email: Severity = Severity.HOLD
    role_mailboxes: tuple[str, ...] = ROLE_MAILBOXES
    """Local parts of mailboxes that belong to a team, not a person."""


class SourcePolicy(_Model):
    categories: tuple[Category, ...] = (Category.MARKETING, Category.NOTIFICATION)
    repost_markers: tuple[str, ...] = (
        "转载",
        "转自",
        "来源：",
        "来源:",
        "摘自",
        "引自",
        "原文链接",
        "据报道",
        "reposted from",
        "quoted from",
        "via @",
        "source:",
        "rt @",
    )
    severity: Severity = Severity.HOLD
    required_tenants: tuple[str, ...] = ()
    """Tenants whose marketing/notification pushes must always carry content.source."""
    required_severity: Severity = Severity.BLOCK
    tenant_categories: dict[str, tuple[Category, ...]] = Field(default_factory=dict)
    """Per tenant, the request categories that must attribute reposts (replaces
    `categories` for that tenant; an empty tuple turns the check off for it)."""

    def categories_of(self, tenant: str) -> tuple[Category, ...]:
        return self.tenant_categories.get(tenant, self.categories)


class WordingPolicy(_Model):
    """The learned second opinion (engine/wording_model): texts no dictionary entry
    matched whose model score reaches `threshold` wait for a human (never blocked).
    Off by default: on a held-out set never seen (holdout20) it raises recall from 0.68
    to 0.78 at the same false-positive rate (bench/review_eval/README.md), but it costs
    ~0.55 ms of CPU a request, 14 times the rest of the engine (the engine's rate would
    fall from ~0.45 to ~0.04 of the bare matcher's, bench/review_engine.py). An operator
    turns it on with `enabled = true` (the policy reloads live); a higher threshold holds
    fewer texts."""

    enabled: bool = False
    threshold: float = Field(default=0.89, ge=0.0, le=1.0)
    """Chosen by five-fold cross-validation on the texts it was trained on: at most 1% of
    their clean texts, English and Chinese each, score this high out of fold
    (bench/review_eval/README.md)."""


class HumanReviewRule(_Model):
    """Send matching requests to a human even when the rules find nothing."""

    tenant: str = "*"
    category: Category | Literal["*"] = "*"
    min_recipients: int = 0
    """Audiences by segment or `all` count as larger than any number."""


class Ladder(_Model):
    """Strikes in the window at which a subject becomes warned, restricted, banned."""

    warned: int = Field(default=1, ge=1)
    restricted: int = 3
    banned: int = 5

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not self.warned <= self.restricted <= self.banned:
            raise ValueError("thresholds must satisfy warned <= restricted <= banned")
        return self


class StrikePolicy(_Model):
    window_days: float = 30.0
    requester: Ladder = Ladder()
    department: Ladder = Ladder(warned=3, restricted=6, banned=10)


_SCOPE: dict[str, tuple[Category, ...]] = {"advertising": (Category.MARKETING,)}


class Policy(_Model):
    term_severity: dict[str, Severity] = Field(
        default_factory=lambda: {
            "violence": Severity.HOLD,
            "custom": Severity.HOLD,
            "rumours": Severity.HOLD,
            "insults": Severity.HOLD,
            "superstition": Severity.HOLD,
            "advertising": Severity.NOTE,
        }
    )
    """Per dictionary category; categories not listed block."""
    term_scope: dict[str, tuple[Category, ...]] = Field(default_factory=lambda: dict(_SCOPE))
    """Dictionary categories that apply only to these request categories (the
    advertising-law absolutes judge marketing, not a news alert saying 最高气温)."""
    budget_ms: float = Field(default=250.0, gt=0)
    """A request the engine cannot judge within this long is held for a human."""
    links: LinkPolicy = LinkPolicy()
    sms: SmsPolicy = SmsPolicy()
    format: FormatPolicy = FormatPolicy()
    social: SocialPolicy = SocialPolicy()
    personal_data: PersonalDataPolicy = PersonalDataPolicy()
    source: SourcePolicy = SourcePolicy()
    plain_wording: WordingPolicy = WordingPolicy()
    human_review: tuple[HumanReviewRule, ...] = ()
    standing_review: dict[Standing, tuple[Category, ...]] = Field(
        default_factory=lambda: {
            Standing.WARNED: (Category.MARKETING, Category.NOTIFICATION),
            Standing.RESTRICTED: tuple(Category),
        }
    )
    """Requests of a requester or department in this standing always go to a human."""
    strikes: StrikePolicy = StrikePolicy()
    violations: ViolationsPolicy = ViolationsPolicy()
    """What the violations board shows to whom (issue 18's 曝光)."""

    _path: str | None = PrivateAttr(default=None)

    def severity_of(self, category: str) -> Severity:
        return self.term_severity.get(category, Severity.BLOCK)

    def applies(self, term_category: str, request_category: Category) -> bool:
        scope = self.term_scope.get(term_category)
        return scope is None or request_category in scope

    @property
    def path(self) -> str | None:
        """The file this policy was loaded from (reloaded when it changes)."""
        return self._path


def load_policy(path: str | None) -> Policy:
    if not path:
        return Policy()
    text = Path(path).read_text(encoding="utf-8")
    data = tomllib.loads(text) if path.endswith(".toml") else json.loads(text or "{}")
    policy = Policy.model_validate(data)
    policy._path = path
    return policy
