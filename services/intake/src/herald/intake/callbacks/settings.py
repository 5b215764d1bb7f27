"""Status callbacks' settings (part of IntakeSettings, read from the environment)."""

import ipaddress

from pydantic import field_validator

from herald.runtime.egress.addresses import Network, listable
from herald.runtime.settings import ServiceSettings


# deliberate declaration: one field per setting (the README's settings table), read from the
# environment
class CallbackSettings(ServiceSettings):
    callbacks_allow_http: bool = False
    """Accept plain-http callback URLs (local development and tests only)."""
    callbacks_allow_private: bool = False
    """Let callbacks reach any address, loopback included (local development only)."""
    callbacks_allow_networks: str = ""
    """Comma-separated private ranges receivers may live in (never loopback, link-local
    or multicast), e.g. `10.20.0.0/16`."""
    callbacks_timeout_s: float = 10.0
    """How long one POST may take, connecting included."""
    callbacks_max_age_s: float = 24 * 3600.0
    """A delivery not done this long after it was queued (or replayed) is failed."""
    callbacks_backoff_base_s: float = 10.0
    callbacks_backoff_max_s: float = 3600.0
    callbacks_concurrency: int = 4
    """At most this many deliveries of one subscription in flight at once."""
    callbacks_disable_after: int = 50
    """Consecutive failed attempts after which a subscription is disabled."""
    callbacks_rotation_grace_s: float = 24 * 3600.0
    """After a secret is rotated, bodies are signed with both secrets for this long."""
    # deliberate declaration: settings fields, each documented
    callbacks_retention_days: float = 30.0
    """Delivered and failed deliveries, with their attempts, are kept this long."""
    callbacks_batch: int = 100
    """Deliveries claimed per round of the sender."""
    callbacks_interval_s: float = 0.5
    """How often the sender looks for deliveries that are due."""

    @field_validator("callbacks_allow_networks")
    @classmethod
    def _listable(cls, value: str) -> str:
        for n in _networks(value):
            if not listable(n):
                raise ValueError(f"{n} may not be allowed (loopback, link-local, multicast)")
        return value

    @property
    def callback_networks(self) -> tuple[Network, ...]:
        return _networks(self.callbacks_allow_networks)


def _networks(value: str) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(n.strip()) for n in value.split(",") if n.strip())
