"""The providers configuration: named providers, and per tenant which serve each channel.

JSON, from `PROVIDERS_FILE` or `PROVIDERS_JSON` (see docs/providers.md):

    {"providers": {"smtp-main": {"kind": "smtp", "host": "...", "password": {"env": "X"}}},
     "channels": {"email": ["smtp-main", "log"], "webhook": ["webhook"]},
     "tenants": {"acme": {"providers": {...}, "channels": {"sms": ["twilio-acme"]}}}}

A tenant's `channels` replace the default list channel by channel; a tenant's
`providers` add to (or shadow) the shared ones. Secrets are never written inline: a
secret field is `{"env": "NAME"}` or `{"file": "/path"}` and is resolved at start-up.
"""

import json
from ipaddress import IPv4Network, IPv6Network
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from herald.contracts import Channel
from herald.dispatcher.providers.targets import listable

# re-exported: providers' specs here and elsewhere build on them
from herald.dispatcher.routing.spec_base import Limits as Limits  # noqa: PLC0414
from herald.dispatcher.routing.spec_base import SecretRef as SecretRef  # noqa: PLC0414
from herald.dispatcher.routing.vendor_config import VendorSpec


class LogSpec(Limits):
    kind: Literal["log"]


class InboxSpec(Limits):
    kind: Literal["inbox"]


class WebhookSpec(Limits):
    kind: Literal["webhook", "wecom", "dingtalk", "feishu"]
    secret: SecretRef | None = None
    """Robot signing secret for a pinned dingtalk/feishu shape."""
    robots: dict[Literal["wecom", "dingtalk", "feishu"], SecretRef | None] = Field(
        default_factory=dict
    )
    """webhook: robot hosts to send in their own shape, with their signing secrets."""
    allow_networks: list[IPv4Network | IPv6Network] = Field(default_factory=list, max_length=64)
    """Private ranges this provider's receivers may live in (never loopback, link-local or
    multicast); everything else private stays refused (providers/targets.py)."""

    @field_validator("allow_networks")
    @classmethod
    def _private_only(cls, value: list[IPv4Network | IPv6Network]) -> list[Any]:
        bad = [str(n) for n in value if not listable(n)]
        if bad:
            raise ValueError(f"loopback, link-local or multicast ranges cannot be allowed: {bad}")
        return value


# deliberate declaration: the operator's file, field by field (the password as a reference;
# providers.smtp.SmtpConfig is what it resolves to)
class SmtpSpec(Limits):
    """Declared field by field as the provider's SmtpConfig is: this is what operators
    write, that is what the provider takes (builders.py maps one onto the other)."""

    kind: Literal["smtp"]
    host: str
    port: int = 587
    starttls: bool = True
    use_tls: bool = False
    username: str | None = None
    password: SecretRef | None = None
    sender: str
    sender_name: str | None = None
    unsubscribe: str | None = None
    verify_tls: bool = True
    ca_file: str | None = None


class SmsSpec(Limits):
    kind: Literal["sms"]
    url: str
    shape: Literal["twilio", "custom"] = "twilio"
    account: str | None = None
    token: SecretRef | None = None
    sender: str | None = None
    fields: dict[str, str] = Field(default_factory=dict)
    encoding: Literal["json", "form"] = "json"
    headers: dict[str, SecretRef] = Field(default_factory=dict)


class FcmSpec(Limits):
    kind: Literal["fcm"]
    service_account: SecretRef
    """The service account JSON (project_id, client_email, private_key, token_uri)."""
    endpoint: str = "https://fcm.googleapis.com"
    token_uri: str | None = None


class ApnsSpec(Limits):
    kind: Literal["apns"]
    team_id: str
    key_id: str
    private_key: SecretRef
    topic: str
    endpoint: str = "https://api.push.apple.com"
    ca_file: str | None = None


ProviderSpec = Annotated[
    LogSpec | InboxSpec | WebhookSpec | SmtpSpec | SmsSpec | FcmSpec | ApnsSpec | VendorSpec,
    Field(discriminator="kind"),
]
BUILTIN: dict[str, Any] = {
    "log": {"kind": "log"},
    "inbox": {"kind": "inbox"},
    "webhook": {"kind": "webhook"},
}


class TenantProviders(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    providers: dict[str, ProviderSpec] = Field(default_factory=dict)
    channels: dict[Channel, list[str]] = Field(default_factory=dict)


class ProvidersConfig(TenantProviders):
    tenants: dict[str, TenantProviders] = Field(default_factory=dict)

    def specs(self, tenant: str) -> dict[str, ProviderSpec]:
        """Name -> spec visible to the tenant (its own shadow the shared ones)."""
        shared = {**_builtin(), **self.providers}
        own = self.tenants.get(tenant, TenantProviders()).providers
        return {**shared, **own}

    def channels_for(self, tenant: str) -> dict[Channel, list[str]]:
        return {**self.channels, **self.tenants.get(tenant, TenantProviders()).channels}

    def owner(self, tenant: str, name: str) -> str:
        """The key a provider's breaker and rate limit live under."""
        own = self.tenants.get(tenant, TenantProviders()).providers
        return f"{tenant}/{name}" if name in own else name


def _builtin() -> dict[str, ProviderSpec]:
    return TenantProviders.model_validate({"providers": BUILTIN}).providers


def parse_channel_pairs(pairs: str) -> dict[Channel, list[str]]:
    """The legacy `CHANNEL_PROVIDERS` form: `webhook=webhook,sms=log`."""
    chosen: dict[Channel, list[str]] = {}
    for pair in pairs.split(","):
        channel, _, name = pair.strip().partition("=")
        if channel:
            chosen.setdefault(Channel(channel), []).append(name)
    return chosen


def load(file: str | None, inline: str | None, fallback_pairs: str) -> ProvidersConfig:
    raw: dict[str, Any] = {}
    if file:
        raw = json.loads(Path(file).read_text(encoding="utf-8"))
    elif inline:
        raw = json.loads(inline)
    config = ProvidersConfig.model_validate(raw)
    if not config.channels:
        config = config.model_copy(update={"channels": parse_channel_pairs(fallback_pairs)})
    return config
