"""Tracker's settings, read from the environment when the service is built."""

from pydantic import Field, SecretStr, field_validator

from herald.runtime.secret_rules import strong_tracking_keys
from herald.runtime.settings import ServiceSettings


class TrackerSettings(ServiceSettings):
    http_port: int = 8005

    tracking_keys: SecretStr = Field(
        description="`kid:secret[,kid:secret]`: the keys tracking links and pixels are "
        "verified with (the dispatcher signs with the first); shared with the dispatcher"
    )
    retention_days: int = Field(default=395, ge=1)
    """Ledger rows older than this are dropped, a whole month partition at a time."""
    partition_months_ahead: int = Field(default=2, ge=1, le=24)
    maintenance_interval_s: float = Field(default=3600.0, gt=0)
    status_update_interval_s: float = Field(default=30.0, gt=0)
    """At most one updated Status per finished request per this many seconds."""
    lag_interval_s: float = Field(default=15.0, gt=0)
    engagement_future_skew_s: int = Field(default=86_400, ge=0)
    """Engagement dated further in the future than this is not counted (a broken clock)."""
    engagement_max_events: int = Field(default=1000, ge=1)
    engagement_max_bytes: int = Field(default=1024 * 1024, ge=1024)
    link_publish_timeout_s: float = Field(default=2.0, gt=0)

    @field_validator("tracking_keys")
    @classmethod
    def _tracking_keys_strong(cls, value: SecretStr) -> SecretStr:
        return strong_tracking_keys(value)
