"""The status callbacks API: register, list, remove, rotate, enable (deliveries and
replay: `http.callback_deliveries`).

Submitter keys manage their own department's subscriptions, admin keys every one of
their tenant's (and alone may register tenant-wide ones). A subscription the caller may
not manage does not exist for them (404), whether another tenant's or another
department's.
"""

from typing import Annotated

from fastapi import APIRouter, Response

from herald.contracts import ReasonCode
from herald.intake.callbacks.domain import Scope, Subscription, may_manage
from herald.intake.callbacks.ports import SubscriptionStore
from herald.intake.callbacks.subscriptions import Subscriptions, UrlRefusedError
from herald.intake.callbacks.views import NewSubscription, SubscriptionList, SubscriptionOut
from herald.runtime.auth import Authenticator, Principal, Role
from herald.runtime.identity import same_person
from herald.runtime.problems import Problem, problems

_ERRORS = problems(401, 403, 404)


async def managed(store: SubscriptionStore, who: Principal, sub_id: str) -> Subscription:
    """The subscription, if the caller may manage it; else 404."""
    sub = await store.get(who.tenant, sub_id)
    if sub is None or not may_manage(who, sub):
        raise Problem(404, ReasonCode.NOT_FOUND, "Not found", f"no callback {sub_id}")
    return sub


def department_for(who: Principal, new: NewSubscription) -> str | None:
    """Whose subscription this is: the tenant's (admins only) or a department's."""
    if new.scope == Scope.TENANT:
        if who.role != Role.ADMIN:
            raise _forbidden("only an admin key may register a tenant-wide callback")
        return None
    if who.role == Role.ADMIN:
        department = new.department or who.department
        if not department:
            raise Problem(
                422,
                ReasonCode.INVALID_REQUEST,
                "Invalid request",
                "department: required (this admin key has no department of its own)",
                errors=[{"field": "department", "message": "required"}],
            )
        return department
    if who.department is None:
        raise _forbidden(f"API key {who.key_id} has no department")
    if new.department and not same_person(new.department, who.department):
        raise _forbidden(
            f"department is {new.department!r}, but this API key belongs to "
            f"{who.department!r}: a submitter registers callbacks for their own department"
        )
    return who.department


def _forbidden(detail: str) -> Problem:
    return Problem(403, ReasonCode.UNAUTHORIZED, "Forbidden", detail)


def build_callbacks_http(
    subscriptions: Subscriptions, store: SubscriptionStore, auth: Authenticator
) -> APIRouter:
    api = APIRouter(prefix="/v1/callbacks", tags=["callbacks"])
    manages = auth.requires(Role.SUBMITTER)

    @api.post(
        "", status_code=201, response_model=SubscriptionOut, responses=problems(400, 401, 403)
    )
    async def register(new: NewSubscription, who: Annotated[Principal, manages]) -> SubscriptionOut:
        """Register a callback URL. The answer carries the subscription's signing secret:
        the only time it is shown (rotate it to get a new one)."""
        department = department_for(who, new)
        try:
            sub = await subscriptions.create(who, new, department)
        except UrlRefusedError as exc:
            raise Problem(
                422,
                ReasonCode.INVALID_REQUEST,
                "Invalid request",
                f"url: {exc}",
                errors=[{"field": "url", "message": str(exc)}],
            ) from exc
        return SubscriptionOut.of(sub, with_secret=True)

    @api.get("", response_model=SubscriptionList, responses=_ERRORS)
    async def listing(who: Annotated[Principal, manages]) -> SubscriptionList:
        """The subscriptions the caller manages (without their secrets)."""
        found = await store.listing(who.tenant)
        return SubscriptionList(
            callbacks=[SubscriptionOut.of(s) for s in found if may_manage(who, s)]
        )

    @api.get("/{sub_id}", response_model=SubscriptionOut, responses=_ERRORS)
    async def one(sub_id: str, who: Annotated[Principal, manages]) -> SubscriptionOut:
        return SubscriptionOut.of(await managed(store, who, sub_id))

    @api.delete("/{sub_id}", status_code=204, responses=_ERRORS)
    async def remove(sub_id: str, who: Annotated[Principal, manages]) -> Response:
        """Remove the subscription, with its deliveries and their attempts."""
        await subscriptions.remove(await managed(store, who, sub_id), who)
        return Response(status_code=204)

    @api.post("/{sub_id}/rotate-secret", response_model=SubscriptionOut, responses=_ERRORS)
    async def rotate(sub_id: str, who: Annotated[Principal, manages]) -> SubscriptionOut:
        """A new secret, answered once. Bodies are signed with the old one too (a second
        `v1`) for `CALLBACKS_ROTATION_GRACE_S`, so receivers can switch without a gap."""
        sub = await subscriptions.rotate(await managed(store, who, sub_id), who)
        return SubscriptionOut.of(sub, with_secret=True)

    @api.post("/{sub_id}/enable", response_model=SubscriptionOut, responses=_ERRORS)
    async def enable(sub_id: str, who: Annotated[Principal, manages]) -> SubscriptionOut:
        """Active again after it was disabled for failing; its waiting deliveries are due."""
        sub = await subscriptions.enable(await managed(store, who, sub_id), who)
        return SubscriptionOut.of(sub)

    return api
