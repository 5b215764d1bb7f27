"""Dispatcher's composition root."""

import asyncio

import httpx
from fastapi import FastAPI

from herald.dispatcher.adapters.postgres import PgLedger, PgViews
from herald.dispatcher.adapters.review_rules import RulesFile
from herald.dispatcher.adapters.vendor_store import PgRefs, PgReplies, PgSharedTokens
from herald.dispatcher.delivery import Deliverer, Policy
from herald.dispatcher.dispatching import RETRY_BATCH, Dispatcher
from herald.dispatcher.domain.final_check import FinalCheck
from herald.dispatcher.domain.lanes import resumed_by
from herald.dispatcher.domain.links import TrackingLinks
from herald.dispatcher.domain.receipts import ReceiptUrls
from herald.dispatcher.domain.sms_callbacks import CallbackUrls
from herald.dispatcher.handlers import build_router
from herald.dispatcher.http.inbox import build_http
from herald.dispatcher.http.sms_callbacks import MAX_BYTES as CALLBACK_MAX_BYTES
from herald.dispatcher.http.sms_callbacks import Callbacks, build_callbacks
from herald.dispatcher.manifest import MANIFEST
from herald.dispatcher.metrics import DispatcherMetrics
from herald.dispatcher.optout.flow import ANNOUNCE_BATCH
from herald.dispatcher.optout.wiring import build_optout
from herald.dispatcher.providers.inbox import PgInbox
from herald.dispatcher.routing import config
from herald.dispatcher.routing.builders import Parts
from herald.dispatcher.routing.registry import Registry
from herald.dispatcher.settings import DispatcherSettings
from herald.runtime.clock import Clock, utc_now
from herald.runtime.links import LinkSigner, parse_keys
from herald.runtime.loops import every
from herald.runtime.service import build_runtime
from herald.runtime.service import create_app as create_service_app


def tracking_links(settings: DispatcherSettings, clock: Clock) -> TrackingLinks:
    signer = LinkSigner(parse_keys(settings.tracking_keys.get_secret_value()))
    base = settings.tracker_public_url.rstrip("/")
    return TrackingLinks(signer, base, lambda: clock() + settings.link_ttl)


def policy(settings: DispatcherSettings) -> Policy:
    return Policy(
        settings.max_attempts,
        settings.backoff_base_s,
        settings.backoff_max_s,
        deferral_s=max(settings.gate_wait_s, 0.5),
    )


def create_app(settings: DispatcherSettings | None = None, *, clock: Clock = utc_now) -> FastAPI:
    settings = settings or DispatcherSettings()
    rt = build_runtime("dispatcher", settings)
    metrics = DispatcherMetrics(rt.registry)
    client = httpx.AsyncClient(
        timeout=settings.provider_timeout_s,
        limits=httpx.Limits(max_connections=settings.max_in_flight),
    )
    secret = settings.signing_secret.get_secret_value().encode()
    receipts = ReceiptUrls(secret, settings.dispatcher_public_url)
    inbox = PgInbox(rt.db)
    refs = PgRefs(rt.db)
    # deliberate declaration: the composition root hands each part its settings, one keyword
    # each (Dispatcher below likewise)
    parts = Parts(
        client,
        secret,
        receipts.url,
        inbox,
        replicas=settings.replicas,
        breaker_threshold=settings.breaker_failures,
        breaker_reset_s=settings.breaker_reset_s,
        gate_wait_s=settings.gate_wait_s,
        critical_reserve=settings.critical_reserve,
        webhook_allow_private=settings.webhook_allow_private,
        on_circuit=metrics.on_circuit,
        refs=refs,
        shared_tokens=PgSharedTokens(rt.db),
    )
    providers = config.load(
        settings.providers_file, settings.providers_json, settings.channel_providers
    )
    registry = Registry(providers, settings.tenant_set, parts)
    optout = build_optout(settings, rt.db, rt.events, metrics, PgReplies(rt.db), rt.auth, clock)
    ledger, views = PgLedger(rt.db), PgViews(rt.db, optout.phone_key)
    links = tracking_links(settings, clock)
    policy_file = RulesFile(settings.review_policy_file)
    final_check = FinalCheck(policy_file.rules, links, clock, own=(optout.links.public_url,))

    async def reload_policy() -> None:
        rules = await asyncio.to_thread(policy_file.changed)
        if rules is not None:
            final_check.use(rules)

    if settings.review_policy_file:
        rt.add_loop("review-policy", every(settings.review_policy_check_s, reload_policy))
    deliverer = Deliverer(
        registry, links, metrics, clock, policy(settings), final_check, optout.links.apply
    )
    dispatcher = Dispatcher(
        ledger,
        views,
        deliverer,
        rt.events,
        metrics,
        clock,
        max_in_flight=settings.max_in_flight,
        batch_deadline_s=settings.batch_deadline_s,
        flush_s=settings.flush_s,
        lease_s=settings.retry_lease_s,
        critical_reserve=settings.critical_reserve,
        resumes=resumed_by(settings.lanes),
    )

    def full(resumed: int) -> bool:
        return resumed >= RETRY_BATCH  # more may be due at once

    # each process resumes the parked sends of its own lanes (a retry keeps its lane)
    rt.add_loop("retries", every(settings.retry_poll_s, dispatcher.resume_due, again=full))
    if settings.lanes != "critical":  # the API's process announces what it stored
        rt.add_loop(
            "consent_announcer",
            every(settings.consent_announce_poll_s, optout.announce_pending,
                  again=lambda n: n >= ANNOUNCE_BATCH),
        )  # fmt: skip
    rt.on_close(dispatcher.close)
    rt.on_close(client.aclose)
    for closer in parts.closers:
        rt.on_close(closer)
    http = build_http(inbox, receipts, rt.events, rt.auth, metrics, clock)
    vendor = Callbacks(
        providers, settings.tenant_set, refs, optout.replies, rt.events, metrics, clock
    )
    callbacks = build_callbacks(
        CallbackUrls(secret, settings.dispatcher_public_url), vendor, providers
    )
    lanes = settings.lanes
    router = build_router(
        rt.consumers(),
        dispatcher,
        views,
        0 if lanes == "critical" else settings.send_consumers,
        0 if lanes == "bulk" else settings.critical_send_consumers,
        on_profiles=optout.replies.on_profiles,
        views_consumers=lanes != "critical",
    )
    # a critical-only process serves no API (ops endpoints only): the bulk one does
    api = [http, callbacks, optout.http, optout.admin_http] if lanes != "critical" else []
    return create_service_app(
        rt,
        routers=[router],
        http=api,
        migrations=MANIFEST.migrations,
        body_limits={"/v1/callbacks/": CALLBACK_MAX_BYTES},
    )
