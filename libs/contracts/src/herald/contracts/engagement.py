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


class Engagement(Model):
    event_id: Id
    delivery_id: Id
    kind: EngagementKind
    at: AwareDatetime
    url: str | None = Field(default=None, max_length=2000)
    tenant: Id | None = None
    """The tenant reporting the event (added in v1): on Kafka Herald sets it to the
    producer credential's tenant (one naming another tenant is refused); the tracker counts
    an event only for a delivery of that tenant."""
