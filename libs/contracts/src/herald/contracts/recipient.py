"""Recipient: a profile on the log-compacted push.recipients.v1 (null value = erase)."""

from typing import Annotated

from pydantic import Field, StringConstraints

from herald.contracts.common import Channel, Id, Model
from herald.contracts.personalisation import RECIPIENT_ATTRIBUTE_MAX
from herald.contracts.placeholders import MAX_KEY

ClockTime = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]

MAX_ATTRIBUTES = 50
ATTRIBUTE_KEY_PATTERN = rf"^[A-Za-z0-9_-]{{1,{MAX_KEY}}}$"
"""The keys a placeholder can name (`recipient.attributes.<key>`, see
herald.contracts.placeholders)."""
ATTRIBUTE_VALUE_MAX = RECIPIENT_ATTRIBUTE_MAX
"""The longest a value may be, so that a template naming it has a known longest rendering."""
AttributeKey = Annotated[str, StringConstraints(pattern=ATTRIBUTE_KEY_PATTERN)]
AttributeValue = Annotated[str, Field(max_length=ATTRIBUTE_VALUE_MAX)]


class PushToken(Model):
    platform: Annotated[str, Field(min_length=1, max_length=32)]
    """Who issued the token: `fcm`, `apns`; Herald's additions `huawei`, `xiaomi`, `oppo`,
    `vivo`, `jpush` (the Android vendors' push services in mainland China)."""
    token: Annotated[str, Field(min_length=1, max_length=4096)]


class Contacts(Model):
    phone: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=320)
    push_tokens: tuple[PushToken, ...] = ()
    webhook: str | None = Field(default=None, max_length=2000)
    wechat_openid: str | None = Field(default=None, max_length=128)
    """Herald's addition: the recipient's openid under the tenant's WeChat official account."""


class Consent(Model):
    marketing: bool = False
    channels: dict[Channel, bool] = Field(default_factory=dict)


class QuietHours(Model):
    start: ClockTime
    end: ClockTime


class Recipient(Model):
    recipient_id: Id
    tenant: Id
    timezone: str | None = Field(default=None, max_length=64)
    locale: str | None = Field(default=None, max_length=35)
    contacts: Contacts = Field(default_factory=Contacts)
    tags: tuple[Annotated[str, Field(min_length=1, max_length=128)], ...] = ()
    consent: Consent = Field(default_factory=Consent)
    quiet_hours: QuietHours | None = None
    attributes: dict[AttributeKey, AttributeValue] = Field(
        default_factory=dict,
        max_length=MAX_ATTRIBUTES,
        json_schema_extra={"additionalProperties": False},  # every key matches the pattern
    )
    """Herald's addition: a string map (name, city, tier ...) for placeholders
    (`{{ recipient.attributes.city }}`) and segments (`audience.segment.attributes`). At
    most 50, keys `[A-Za-z0-9_-]{1,64}`, values at most 64 characters."""
