"""Registering and managing subscriptions: the service layer behind the HTTP API.

A URL is checked when it is registered (https unless `CALLBACKS_ALLOW_HTTP`, no user
name in it, and every address its host resolves to allowed by the egress policy), and
again at every send by the pinned client. A secret is made here, answered once (on
creation and on rotation) and never logged.
"""

import secrets
from dataclasses import dataclass, replace
from datetime import timedelta

import structlog

from herald.intake.callbacks.domain import Scope, Subscription, url_problem
from herald.intake.callbacks.ports import Outbox, SubscriptionStore
from herald.intake.callbacks.views import DeliveryOut, NewSubscription
from herald.runtime.auth import Principal
from herald.runtime.clock import Clock
from herald.runtime.egress.addresses import Targets

log = structlog.get_logger(__name__)


class UrlRefusedError(Exception):
    """The URL cannot be registered, for this reason."""


@dataclass(frozen=True, slots=True)
class Rules:
    allow_http: bool
    targets: Targets
    max_age: timedelta
    rotation_grace: timedelta


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class Subscriptions:
    # deliberate declaration: the dependencies main injects, one named parameter each
    def __init__(
        self, store: SubscriptionStore, outbox: Outbox, rules: Rules, clock: Clock
    ) -> None:
        self._store, self._outbox, self._rules, self._clock = store, outbox, rules, clock

    async def check_url(self, url: str) -> None:
        problem = url_problem(url, self._rules.allow_http)
        if problem is None:
            refused = await self._rules.targets.check(url)
            problem = refused.detail if refused else None
        if problem is not None:
            raise UrlRefusedError(problem)

    async def create(
        self, who: Principal, new: NewSubscription, department: str | None
    ) -> Subscription:
        await self.check_url(new.url)
        sub = Subscription(
            id="cb_" + secrets.token_hex(12),
            tenant=who.tenant,
            scope=new.scope,
            department=department if new.scope == Scope.DEPARTMENT else None,
            url=new.url,
            events=tuple(dict.fromkeys(new.events)),
            secret=new_secret(),
            created_by=who.user,
            created_at=self._clock(),
        )
        await self._store.add(sub)
        log.info("callback_subscribed", subscription_id=sub.id, scope=str(sub.scope), by=who.user)
        return sub

    async def rotate(self, sub: Subscription, who: Principal) -> Subscription:
        secret, keep_until = new_secret(), self._clock() + self._rules.rotation_grace
        await self._store.rotate(sub.tenant, sub.id, secret, keep_until)
        log.info("callback_secret_rotated", subscription_id=sub.id, by=who.user)
        return replace(sub, secret=secret, previous_secret=sub.secret, previous_until=keep_until)

    async def enable(self, sub: Subscription, who: Principal) -> Subscription:
        await self._store.enable(sub.tenant, sub.id, self._clock())
        log.info("callback_enabled", subscription_id=sub.id, by=who.user)
        return replace(sub, active=True, disabled_reason=None, failures=0)

    async def remove(self, sub: Subscription, who: Principal) -> None:
        await self._store.remove(sub.tenant, sub.id)
        log.info("callback_removed", subscription_id=sub.id, by=who.user)

    async def replay(self, sub: Subscription, delivery_id: str) -> DeliveryOut | None:
        now = self._clock()
        return await self._outbox.replay(sub.id, delivery_id, now, now + self._rules.max_age)
