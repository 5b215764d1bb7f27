"""PushRequest: what upstream systems publish on push.requests.v1 or POST to intake."""

from enum import StrEnum
from typing import Annotated, Any, Literal, Self

from pydantic import AnyUrl, AwareDatetime, Field, StringConstraints, model_validator

from herald.contracts.common import Channel, Id, Model
from herald.contracts.templates import TemplateUse

Text = Annotated[str, Field(min_length=1)]

MAX_LABELS = 32
LABEL_KEY_PATTERN = r"^[A-Za-z0-9_.-]{1,64}$"
LABEL_VALUE_MAX = 256
"""Labels are bounded (they were any strings): a label can be rendered into every text
of a message (`{{ labels.key }}`), so its length bounds what personalisation can make.
A key with a dot is a valid label that no placeholder can name."""
LabelKey = Annotated[str, StringConstraints(pattern=LABEL_KEY_PATTERN)]
LabelValue = Annotated[str, Field(max_length=LABEL_VALUE_MAX)]


# deliberate declaration: a public contract enum (docs/contract.md), one member per value
class Category(StrEnum):
    MARKETING = "marketing"
    NOTIFICATION = "notification"
    TRANSACTIONAL = "transactional"
    ALERT = "alert"


# deliberate declaration: a public contract enum (docs/contract.md), one member per value
class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    CRITICAL = "critical"


class Requester(Model):
    department: Annotated[str, Field(min_length=1, max_length=128)]
    user: Annotated[str, Field(min_length=1, max_length=128)]


class Media(Model):
    kind: Literal["image", "video"]
    url: AnyUrl
    duration_s: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _video_has_duration(self) -> Self:
        if self.kind == "video" and self.duration_s is None:
            raise ValueError("a video carries duration_s")
        return self


class Source(Model):
    author: str | None = Field(default=None, max_length=200)
    origin: str | None = Field(default=None, max_length=2000)
    published_at: AwareDatetime | None = None


class Variant(Model):
    """Per-channel overrides of the content."""

    title: str | None = Field(default=None, min_length=1, max_length=100)
    body: str | None = Field(default=None, min_length=1, max_length=4000)
    subject: str | None = Field(default=None, min_length=1, max_length=200)
    html: str | None = Field(default=None, min_length=1, max_length=200_000)


class Content(Model):
    title: Annotated[str, Field(min_length=1, max_length=100)]
    body: Annotated[str, Field(min_length=1, max_length=4000)]
    url: str | None = Field(default=None, max_length=2000)
    media: tuple[Media, ...] = ()
    source: Source | None = None
    variants: dict[Channel, Variant] = Field(default_factory=dict)


SEGMENT_ATTRIBUTES_MAX = 16
SEGMENT_ATTRIBUTE_VALUES_MAX = 100
SegmentAttributeKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
SegmentAttributeValues = Annotated[
    tuple[Annotated[str, Field(max_length=64)], ...],
    Field(min_length=1, max_length=SEGMENT_ATTRIBUTE_VALUES_MAX),
]


class Segment(Model):
    tags_all: tuple[Text, ...] = ()
    tags_any: tuple[Text, ...] = ()
    tags_none: tuple[Text, ...] = ()
    attributes: dict[SegmentAttributeKey, SegmentAttributeValues] = Field(
        default_factory=dict,
        max_length=SEGMENT_ATTRIBUTES_MAX,
        json_schema_extra={"additionalProperties": False},
    )
    """Herald's addition: recipients whose attribute `key` is one of the values listed,
    for every key given (`{"city": ["beijing", "shanghai"], "tier": ["gold"]}`), beside
    the tag filters. A recipient without the attribute does not match."""


class Audience(Model):
    """Exactly one of `recipients`, `segment` or `all`."""

    model_config = Model.model_config | {
        "json_schema_extra": {
            "oneOf": [
                {"required": ["recipients"]},
                {"required": ["segment"]},
                {"required": ["all"]},
            ]
        }
    }

    recipients: tuple[Id, ...] | None = Field(default=None, min_length=1, max_length=100_000)
    segment: Segment | None = None
    all: Literal[True] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        given = [n for n in ("recipients", "segment", "all") if getattr(self, n) is not None]
        if len(given) != 1:
            raise ValueError(
                "exactly one of recipients, segment or all is required"
                + (f" (got {', '.join(given)})" if given else "")
            )
        return self


class Schedule(Model):
    send_at: AwareDatetime | None = None
    recipient_local_time: bool = False
    expires_at: AwareDatetime | None = None
    optimise: bool = False
    """Extension: move each send to the recipient's most engaged hour inside the window."""

    @model_validator(mode="after")
    def _expiry_after_send(self) -> Self:
        if self.send_at and self.expires_at and self.expires_at <= self.send_at:
            raise ValueError("expires_at must be after send_at")
        return self


def _content_or_template(schema: dict[str, Any]) -> None:
    """As submitted, `content` may be left out when `template` names a stored template."""
    schema["required"] = [f for f in schema.get("required", []) if f != "content"]
    schema["anyOf"] = [{"required": ["content"]}, {"required": ["template"]}]


class PushRequest(Model):
    model_config = Model.model_config | {"json_schema_extra": _content_or_template}

    request_id: Id
    tenant: Id
    requester: Requester
    goal: Annotated[str, Field(min_length=1, max_length=1000)]
    category: Category
    priority: Priority = Priority.NORMAL
    channels: Annotated[tuple[Channel, ...], Field(min_length=1, max_length=6)]
    content: Content
    audience: Audience
    schedule: Schedule | None = None
    labels: dict[LabelKey, LabelValue] = Field(
        default_factory=dict,
        max_length=MAX_LABELS,
        json_schema_extra={"additionalProperties": False},  # every key matches the pattern
    )
    """At most 32, keys `[A-Za-z0-9_.-]{1,64}`, values at most 256 characters."""
    template: TemplateUse | None = None
    """A stored template to use (an addition to v1): a submission that names one omits
    `content`, and intake fills it in from the template's version before anything else
    reads the request, so every request past intake carries `content`."""

    @model_validator(mode="after")
    def _channels_unique(self) -> Self:
        if len(set(self.channels)) != len(self.channels):
            raise ValueError("channels must not repeat")
        return self
