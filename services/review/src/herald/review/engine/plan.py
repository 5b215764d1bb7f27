"""The policy as the rules read it on every request, worked out once per policy.

The policy is a tree of frozen pydantic models, and a pydantic model defines
`__getattr__`, which sends every attribute read down the interpreter's slow path (several
times a plain object's read). The rules read a dozen of them on every request, so the
engine keeps one Plan per policy (a new one when the policy is reloaded): the values read
on every request as plain attributes, and the sections a rule reads only when it has
something to judge (an SMS, a link, a number).
"""

from herald.contracts import Category, Channel
from herald.review.policy import (
    LinkPolicy,
    PersonalDataPolicy,
    Policy,
    SmsPolicy,
    SocialPolicy,
    SourcePolicy,
    WordingPolicy,
)


class SourcePlan:
    """What the source rule reads of its policy on every request."""

    __slots__ = ("by_tenant", "categories", "policy", "repost_markers", "required_tenants")

    def __init__(self, policy: SourcePolicy) -> None:
        self.policy = policy
        self.categories: tuple[Category, ...] = policy.categories
        self.by_tenant: dict[str, tuple[Category, ...]] = dict(policy.tenant_categories)
        self.required_tenants: tuple[str, ...] = policy.required_tenants
        self.repost_markers: tuple[str, ...] = policy.repost_markers

    def categories_of(self, tenant: str) -> tuple[Category, ...]:
        """As SourcePolicy.categories_of."""
        return self.by_tenant.get(tenant, self.categories)


class Plan:
    __slots__ = (
        "format",
        "links",
        "personal_data",
        "policy",
        "sms",
        "social",
        "source",
        "term_scope",
        "title_max",
        "wording",
    )  # fmt: skip

    # deliberate declaration: __slots__ and the constructor that fills them
    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.term_scope: dict[str, tuple[Category, ...]] = dict(policy.term_scope)
        self.links: LinkPolicy = policy.links
        self.source = SourcePlan(policy.source)
        self.personal_data: PersonalDataPolicy = policy.personal_data
        self.sms: SmsPolicy = policy.sms
        self.social: SocialPolicy = policy.social
        self.format = policy.format
        self.title_max: dict[Channel, int] = dict(policy.format.title_max)
        self.wording: WordingPolicy | None = (
            policy.plain_wording if policy.plain_wording.enabled else None
        )
