"""Dispatcher's settings (environment, at start-up). Secrets have no defaults."""

from datetime import timedelta
from typing import Literal

from pydantic import Field, SecretStr, field_validator

from herald.dispatcher.domain.optout_footer import DEFAULT_SMS_HINTS
from herald.runtime.secret_rules import long_secret, strong_tracking_keys
from herald.runtime.settings import ServiceSettings


# deliberate declaration: one field per setting (the README's settings table), read from the
# environment
class DispatcherSettings(ServiceSettings):
    http_port: int = 8004
    signing_secret: SecretStr
    """HMAC key for webhook signatures and SMS receipt addresses."""
    tracking_keys: SecretStr
    """Tracking-link keys `kid:secret[,kid:secret]`; the first signs. Tracker verifies."""
    tracker_public_url: str = "http://127.0.0.1:8005"
    """Where tracker serves `/r/{token}` and `/o/{token}` for recipients."""
    dispatcher_public_url: str = "http://127.0.0.1:8004"
    """Where SMS gateways reach this service's receipt endpoint."""
    link_ttl_days: int = 90
    review_policy_file: str | None = None
    """Review's policy file (the one review's REVIEW_POLICY_FILE names): the last check
    before sending reads its `links`, `format.title_max` and `sms.max_segments`; unset,
    review's defaults."""
    review_policy_check_s: float = 5.0
    """How often the policy file is checked for changes (a changed file is read again)."""
    providers_file: str | None = None
    """JSON providers configuration (docs/providers.md); or PROVIDERS_JSON inline."""
    providers_json: str | None = None
    channel_providers: str = (
        "webhook=webhook,sms=log,email=log,app_push=log,in_app=inbox,social=log"
    )
    """Used when the providers configuration names no default channels."""
    webhook_allow_private: bool = False
    """Let webhooks reach private, loopback and link-local addresses (local development)."""
    replicas: int = 1
    """Dispatcher replicas: each takes rate_per_s / replicas of every provider's limit."""
    db_pool_max: int = 16
    """Each sends consumer reads three things at once (ledger, cancels, consent)."""
    db_pool_critical_reserve: int = Field(default=2, ge=0)
    """Connections beyond DB_POOL_MAX only critical work takes (herald.runtime.pool): a
    blast holding the pool's bulk share never makes a critical push wait for one."""
    max_in_flight: int = 200
    send_consumers: int = 4
    """Kafka consumers of push.sends.v1 in this process (its batches run concurrently;
    push.sends.v1 has 8 partitions, so more than 8 across all replicas sit idle)."""
    critical_send_consumers: int = 1
    """Kafka consumers of push.sends_critical.v1 in this process (its own group: a
    critical send is never fetched behind the bulk topic's backlog)."""
    lanes: Literal["all", "bulk", "critical"] = "all"
    """The lanes this process serves: `all` (one process, the default); `critical`: only
    the CRITICAL_SEND_CONSUMERS, in a process (event loop, database pool, CPU) a blast does
    not load: no push.sends.v1 consumers, no cancels or consent consumers and no HTTP API
    (the bulk process keeps them: same groups, the same tables); `bulk`: everything but
    the critical consumers, for the process beside a critical-only one. A parked send
    keeps its lane: each process resumes only its own lanes' (`domain.lanes`), so a blast
    parked on a provider's rate never loads the critical one, and a critical retry never
    waits behind the blast's."""
    critical_reserve: float = Field(default=0.1, ge=0.0, lt=1.0)
    """Share of MAX_IN_FLIGHT and of every provider's concurrency that only critical sends
    (alert, transactional, `priority: critical`) may use: at least one slot where the bound
    has more than one; the bounds themselves do not grow."""
    # deliberate declaration: settings fields, each documented
    flush_s: float = 0.05
    """While a batch's sends run, the finished ones are recorded and published this often,
    so a crash repeats only what was really in flight."""
    provider_timeout_s: float = 10.0
    max_attempts: int = 3
    backoff_base_s: float = 2.0
    backoff_max_s: float = 600.0
    breaker_failures: int = 5
    breaker_reset_s: float = 30.0
    gate_wait_s: float = 0.5
    batch_deadline_s: float = 5.0
    retry_poll_s: float = 1.0
    retry_lease_s: float = 120.0
    optout_public_url: str | None = None
    """Where recipients reach `/u/{token}` and `/p/{token}`; default DISPATCHER_PUBLIC_URL."""
    optout_keys: SecretStr | None = None
    """Opt-out token keys `kid:secret[,kid:secret]` (the first signs); default: one key
    derived from SIGNING_SECRET."""
    optout_ttl_days: int = 400
    """How long opt-out and preference links in messages keep working."""
    optout_sms_hints: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_SMS_HINTS))
    """The reply hint added to marketing SMS, by locale (`zh`, `en`, `*` for any other)."""
    optout_push_hints: dict[str, str] = Field(default_factory=dict)
    """A hint added to marketing app push and social messages, by locale (none by default)."""
    consent_announce_grace_s: float = 30.0
    """A consent change stored this long ago and still not announced on push.consent.v1
    (the process stopped between storing and publishing it) is published by the sweep."""
    consent_announce_poll_s: float = 10.0
    """How often the sweep looks for unannounced consent changes."""

    @property
    def link_ttl(self) -> timedelta:
        return timedelta(days=self.link_ttl_days)

    @field_validator("signing_secret")
    @classmethod
    def _signing_secret_long(cls, value: SecretStr) -> SecretStr | None:
        return long_secret("SIGNING_SECRET", value)

    @field_validator("tracking_keys")
    @classmethod
    def _tracking_keys_strong(cls, value: SecretStr) -> SecretStr:
        return strong_tracking_keys(value)
