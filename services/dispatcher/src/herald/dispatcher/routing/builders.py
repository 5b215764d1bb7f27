"""Build one provider from its spec: the one place that knows every provider's constructor."""

import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, fields

import httpx

from herald.dispatcher.domain.resilience import Circuit
from herald.dispatcher.providers.apns import ApnsConfig, ApnsProvider
from herald.dispatcher.providers.base import Provider
from herald.dispatcher.providers.chat import DingTalk, Feishu, Shape, WeCom
from herald.dispatcher.providers.egress import pinned_client
from herald.dispatcher.providers.fcm import FcmConfig, FcmProvider
from herald.dispatcher.providers.hosts import HostCircuits
from herald.dispatcher.providers.inbox import Inbox, InboxProvider
from herald.dispatcher.providers.log import LogProvider
from herald.dispatcher.providers.refs import MemoryRefs, Refs
from herald.dispatcher.providers.sms import SmsConfig, SmsProvider
from herald.dispatcher.providers.smtp import SmtpConfig, SmtpProvider
from herald.dispatcher.providers.spread import Spread
from herald.dispatcher.providers.targets import Resolver, Targets, system_resolver
from herald.dispatcher.providers.webhook import WebhookProvider
from herald.dispatcher.providers.wechat_tokens import MemorySharedTokens, SharedTokens
from herald.dispatcher.routing.config import (
    ApnsSpec,
    FcmSpec,
    InboxSpec,
    LogSpec,
    ProviderSpec,
    SmsSpec,
    SmtpSpec,
    WebhookSpec,
)
from herald.dispatcher.routing.vendor_builders import build_vendor
from herald.dispatcher.routing.vendor_config import VendorSpec


@dataclass
class Parts:
    """What building providers needs from the composition root."""

    client: httpx.AsyncClient
    signing_secret: bytes
    receipt_url: Callable[[str], str]
    inbox: Inbox
    replicas: int = 1
    breaker_threshold: int = 5
    breaker_reset_s: float = 30.0
    gate_wait_s: float = 1.0
    critical_reserve: float = 0.0
    """Share of each provider's concurrency only critical sends may use (`lane_gate`)."""
    webhook_allow_private: bool = False
    monotonic: Callable[[], float] = time.monotonic
    on_circuit: Callable[[str, Circuit], None] = lambda _n, _c: None
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    refs: Refs = field(default_factory=MemoryRefs)
    """Vendor message ids -> delivery ids, for receipts that carry only the vendor's id."""
    shared_tokens: SharedTokens = field(default_factory=MemorySharedTokens)
    """Access tokens all replicas share (WeChat)."""
    resolver: Resolver = system_resolver
    """How webhook hosts are resolved (checked and connected to as one step, egress.py)."""


def _shape(kind: str, secret: str | None) -> Shape:
    if kind == "dingtalk":
        return DingTalk(secret)
    if kind == "feishu":
        return Feishu(secret)
    return WeCom()


def _webhook(spec: WebhookSpec, name: str, parts: Parts) -> Provider:
    secret = spec.secret.resolve().get_secret_value() if spec.secret else None
    robots: dict[str, Shape] = {
        k: _shape(k, v.resolve().get_secret_value() if v else None) for k, v in spec.robots.items()
    }
    pinned = None if spec.kind == "webhook" else _shape(spec.kind, secret)
    targets = Targets(parts.webhook_allow_private, tuple(spec.allow_networks), parts.resolver)

    context = httpx.create_ssl_context(trust_env=False)  # one for every pool: see spread.py

    def client(connections: int) -> httpx.AsyncClient:
        limits = httpx.Limits(max_connections=connections)
        return pinned_client(targets, spec.timeout_s, limits, verify=context)

    spread = Spread(client, spec.concurrency)
    parts.closers.append(spread.aclose)
    hosts = HostCircuits(parts.breaker_threshold, parts.breaker_reset_s, parts.monotonic)
    return WebhookProvider(
        spread.clients[0],
        parts.signing_secret,
        name=name,
        robots=robots,
        pinned=pinned,
        targets=targets,
        hosts=hosts,
        spread=spread,
    )


def _smtp(spec: SmtpSpec, name: str) -> Provider:
    password = spec.password.resolve().get_secret_value() if spec.password else None
    # the spec's fields are the provider's, but for the secret and the pool's size
    shared = {f.name for f in fields(SmtpConfig)} - {"password", "pool_size"}
    same = spec.model_dump(include=shared)
    cfg = SmtpConfig(**same, password=password, pool_size=spec.concurrency)
    return SmtpProvider(cfg, name)


def _sms(spec: SmsSpec, name: str, parts: Parts) -> Provider:
    cfg = SmsConfig(
        url=spec.url,
        shape=spec.shape,
        account=spec.account,
        token=spec.token.resolve().get_secret_value() if spec.token else None,
        sender=spec.sender,
        fields=spec.fields,
        encoding=spec.encoding,
        headers={k: v.resolve().get_secret_value() for k, v in spec.headers.items()},
    )
    return SmsProvider(parts.client, cfg, parts.receipt_url, name)


def _fcm(spec: FcmSpec, name: str, parts: Parts) -> Provider:
    # FCM HTTP v1 has no multicast: a batch is many requests multiplexed on one HTTP/2 link
    client = httpx.AsyncClient(http2=True, timeout=spec.timeout_s)
    parts.closers.append(client.aclose)
    account = json.loads(spec.service_account.resolve().get_secret_value())
    cfg = FcmConfig(
        project_id=account["project_id"],
        client_email=account["client_email"],
        private_key=account["private_key"],
        token_uri=spec.token_uri or account.get("token_uri", "https://oauth2.googleapis.com/token"),
        endpoint=spec.endpoint,
    )
    return FcmProvider(client, cfg, name)


def _apns(spec: ApnsSpec, name: str, parts: Parts) -> Provider:
    verify: str | bool = spec.ca_file or True
    client = httpx.AsyncClient(http1=False, http2=True, timeout=spec.timeout_s, verify=verify)
    parts.closers.append(client.aclose)
    cfg = ApnsConfig(
        spec.team_id,
        spec.key_id,
        spec.private_key.resolve().get_secret_value(),
        spec.topic,
        spec.endpoint,
    )
    return ApnsProvider(client, cfg, name)


def build_provider(spec: ProviderSpec, name: str, parts: Parts) -> Provider:
    if isinstance(spec, LogSpec):
        return LogProvider(name)
    if isinstance(spec, InboxSpec):
        return InboxProvider(parts.inbox, name)
    if isinstance(spec, WebhookSpec):
        return _webhook(spec, name, parts)
    if isinstance(spec, SmtpSpec):
        return _smtp(spec, name)
    if isinstance(spec, VendorSpec):
        return build_vendor(spec, name, parts.client, parts.refs, parts.shared_tokens)
    return _push_or_sms(spec, name, parts)


def _push_or_sms(spec: SmsSpec | FcmSpec | ApnsSpec, name: str, parts: Parts) -> Provider:
    if isinstance(spec, SmsSpec):
        return _sms(spec, name, parts)
    if isinstance(spec, FcmSpec):
        return _fcm(spec, name, parts)
    return _apns(spec, name, parts)
