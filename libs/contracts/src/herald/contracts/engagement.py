"""Engagement: what client apps (and tracker's own endpoints) report on push.engagement.v1."""

from enum import StrEnum

from pydantic import AwareDatetime, Field

from herald.contracts.common import Id, Model


class EngagementKind(StrEnum):
    DELIVERED = "delivered"
    OPENED = "opened"
    READ = "read"
    CLICKED = "clicked"
    CONVERTED = "converted"
    DISMISSED = "dismissed"
    UNSUBSCRIBED = "unsubscribed"
    """Herald's own: the recipient used the message's signed opt-out link (reports count
    it only from Herald, never from a client)."""


class Engagement(Model):
    event_id: Id
    delivery_id: Id
    kind: EngagementKind
    at: AwareDatetime
    url: str | None = Field(default=None, max_length=2000)
    tenant: Id | None = None
    """The tenant that reports the event. Set by Herald, never trusted from a client:
    tracker stamps the caller's tenant on `POST /v1/engagement`, and the Kafka path the
    producer credential's (a record naming another tenant is refused). The event counts
    only for a delivery of that tenant. None: Herald's own report (a signed tracking link
    or pixel, the dispatcher's inbox and receipts)."""
