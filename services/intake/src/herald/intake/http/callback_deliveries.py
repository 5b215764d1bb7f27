"""A subscription's deliveries, with every attempt, and replaying one (same rules as
`http.callbacks`: a subscription the caller may not manage is a 404)."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from herald.contracts import ReasonCode
from herald.intake.callbacks.ports import Outbox, SubscriptionStore
from herald.intake.callbacks.subscriptions import Subscriptions
from herald.intake.callbacks.views import DeliveryList, DeliveryOut
from herald.intake.http.callbacks import managed
from herald.runtime.auth import Authenticator, Principal, Role
from herald.runtime.problems import Problem, problems

_ERRORS = problems(401, 403, 404, 409)


def build_deliveries_http(
    subscriptions: Subscriptions, store: SubscriptionStore, outbox: Outbox, auth: Authenticator
) -> APIRouter:
    api = APIRouter(prefix="/v1/callbacks", tags=["callbacks"])
    manages = auth.requires(Role.SUBMITTER)

    @api.get("/{sub_id}/deliveries", response_model=DeliveryList, responses=_ERRORS)
    async def deliveries(
        sub_id: str,
        who: Annotated[Principal, manages],
        state: Annotated[Literal["pending", "delivered", "failed"] | None, Query()] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
    ) -> DeliveryList:
        """The latest deliveries first, each with its attempts: time, status code,
        latency, error and when it is tried next."""
        sub = await managed(store, who, sub_id)
        return DeliveryList(deliveries=await outbox.deliveries(sub.id, limit, state))

    @api.post(
        "/{sub_id}/deliveries/{delivery_id}/replay",
        status_code=202,
        response_model=DeliveryOut,
        responses=_ERRORS,
    )
    async def replay(
        sub_id: str, delivery_id: str, who: Annotated[Principal, manages]
    ) -> DeliveryOut:
        """Send this delivery again now (the same event id and body, a fresh signature),
        whatever became of it; 409 while the subscription is disabled."""
        sub = await managed(store, who, sub_id)
        if not sub.active:
            raise Problem(
                409,
                ReasonCode.INVALID_REQUEST,
                "Subscription disabled",
                f"{sub.disabled_reason or 'disabled'}: enable it first "
                f"(POST /v1/callbacks/{sub.id}/enable)",
            )
        found = await subscriptions.replay(sub, delivery_id)
        if found is None:
            raise Problem(404, ReasonCode.NOT_FOUND, "Not found", f"no delivery {delivery_id}")
        return found

    return api
