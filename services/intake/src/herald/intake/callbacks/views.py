"""What the callbacks API answers (documented in the OpenAPI document)."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from herald.intake.callbacks.domain import EventType, Scope, Subscription


class NewSubscription(BaseModel):
    """`POST /v1/callbacks`: where to send what."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(max_length=2048, description="https URL that receives the POSTs")
    scope: Scope = Scope.DEPARTMENT
    department: str | None = Field(
        default=None,
        max_length=128,
        description="a department scope's department (default: the key's own; a "
        "submitter may only name their own)",
    )
    events: tuple[EventType, ...] = Field(
        default=(EventType.STATUS, EventType.STANDING), min_length=1
    )


# deliberate declaration: the public API's view of a subscription (no secret unless asked), field by
# field
class SubscriptionOut(BaseModel):
    id: str
    tenant: str
    scope: Scope
    department: str | None
    url: str
    events: tuple[EventType, ...]
    active: bool
    disabled_reason: str | None
    consecutive_failures: int
    created_by: str
    created_at: datetime
    secret: str | None = Field(
        default=None, description="only in the answer that creates or rotates it"
    )

    # deliberate declaration: the stored subscription, field by field (its secret only when
    # asked)
    @classmethod
    def of(cls, s: Subscription, *, with_secret: bool = False) -> "SubscriptionOut":
        return cls(
            id=s.id,
            tenant=s.tenant,
            scope=s.scope,
            department=s.department,
            url=s.url,
            events=s.events,
            active=s.active,
            disabled_reason=s.disabled_reason,
            consecutive_failures=s.failures,
            created_by=s.created_by,
            created_at=s.created_at,
            secret=s.secret if with_secret else None,
        )


class SubscriptionList(BaseModel):
    callbacks: list[SubscriptionOut]


class AttemptOut(BaseModel):
    n: int
    at: datetime
    status_code: int | None = Field(description="the receiver's HTTP status; null if none")
    latency_ms: int
    error: str | None
    next_retry_at: datetime | None = Field(description="when it is tried again; null if not")


class DeliveryOut(BaseModel):
    id: str
    event_id: str
    type: EventType
    subject: str = Field(description="`request:<request_id>`, or `<kind>:<subject>`")
    label: str = Field(description="the status, or the standing, announced")
    state: str = Field(description="pending | delivered | failed")
    created_at: datetime
    next_attempt_at: datetime | None
    expires_at: datetime
    attempts: list[AttemptOut]


class DeliveryList(BaseModel):
    deliveries: list[DeliveryOut]
