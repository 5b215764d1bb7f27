"""The opt-out parts the composition root plugs in (main.py): one function, so main stays
a list of parts."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from fastapi import APIRouter

from herald.dispatcher.domain.optout_footer import OptOutLinks
from herald.dispatcher.domain.optout_tokens import OptOutSigner, derive_key
from herald.dispatcher.domain.phones import PhoneKey, phone_key_of
from herald.dispatcher.metrics import DispatcherMetrics
from herald.dispatcher.optout.audit_http import build_audit_http
from herald.dispatcher.optout.flow import OptOuts
from herald.dispatcher.optout.http import build_optout_http
from herald.dispatcher.optout.replies import OptOutReplies
from herald.dispatcher.optout.store import PgOptOuts
from herald.dispatcher.ports import Replies
from herald.dispatcher.settings import DispatcherSettings
from herald.runtime.auth import Authenticator
from herald.runtime.clock import Clock
from herald.runtime.db import Database
from herald.runtime.events import EventBus
from herald.runtime.links import parse_keys


@dataclass(frozen=True, slots=True)
class OptOutParts:
    links: OptOutLinks
    phone_key: PhoneKey
    replies: OptOutReplies
    http: APIRouter
    admin_http: APIRouter
    announce_pending: Callable[[], Awaitable[int]]
    """Publishes consent changes a stopped process left unannounced (a loop's step)."""


def signer_of(settings: DispatcherSettings) -> OptOutSigner:
    if settings.optout_keys is not None:
        return OptOutSigner(parse_keys(settings.optout_keys.get_secret_value()))
    return OptOutSigner({"s": derive_key(settings.signing_secret.get_secret_value().encode())})


def build_optout(
    settings: DispatcherSettings,
    db: Database,
    events: EventBus,
    metrics: DispatcherMetrics,
    replies: Replies,
    auth: Authenticator,
    clock: Clock,
) -> OptOutParts:
    signer = signer_of(settings)
    base = (settings.optout_public_url or settings.dispatcher_public_url).rstrip("/")
    ttl = timedelta(days=settings.optout_ttl_days)
    links = OptOutLinks(
        signer,
        base,
        lambda: clock() + ttl,
        settings.optout_sms_hints,
        settings.optout_push_hints,
    )
    phone_key = phone_key_of(settings.signing_secret.get_secret_value().encode())
    store = PgOptOuts(db)
    optouts = OptOuts(store, events, metrics.consent_changes, settings.consent_announce_grace_s)
    return OptOutParts(
        links,
        phone_key,
        OptOutReplies(replies, store, optouts, phone_key),
        build_optout_http(signer, optouts, clock),
        build_audit_http(store, auth),
        optouts.announce_pending,
    )
