"""A template version's texts, and its review: intake -> review on
push.template_reviews.v1, review's decision back on push.template_reviewed.v1 (internal,
key `tenant:name:version`). Review reads each text's skeleton (placeholders as a neutral
sign): what no request's values decide."""

from typing import Annotated

from pydantic import AwareDatetime, Field

from herald.contracts.common import Channel, Id, Model
from herald.contracts.internal import Submitter
from herald.contracts.push_request import Category, Content
from herald.contracts.status import Reason, StatusKind
from herald.contracts.templates import LocaleTag

MAX_LOCALES = 32


class TemplateTexts(Model):
    """One version's texts: the default content (with per-channel variants) and the
    content of each locale that has its own."""

    default: Content
    locales: dict[LocaleTag, Content] = Field(default_factory=dict, max_length=MAX_LOCALES)


class TemplateReviewRequested(Model):
    """A version to review, once, when it is published (key `tenant:name:version`)."""

    tenant: Id
    name: Id
    version: Annotated[int, Field(ge=1)]
    category: Category
    channels: Annotated[tuple[Channel, ...], Field(min_length=1, max_length=6)]
    texts: TemplateTexts
    submitter: Submitter
    at: AwareDatetime
    trace_id: str = ""


# deliberate declaration: an internal event (docs/contract.md), field by field
class TemplateReviewed(Model):
    """Review's decision on a version: `approved`, `rejected`, `pending_review` (a human
    decides; another event follows) or `expired`."""

    tenant: Id
    name: Id
    version: int
    state: StatusKind
    reasons: tuple[Reason, ...] = ()
    decided_by: str | None = None
    at: AwareDatetime


def review_key(tenant: str, name: str, version: int) -> str:
    return f"{tenant}:{name}:{version}"
