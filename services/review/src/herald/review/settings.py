from pydantic import Field, SecretStr, field_validator

from herald.runtime.secret_rules import long_secret
from herald.runtime.settings import ServiceSettings


class ReviewSettings(ServiceSettings):
    http_port: int = 8002
    db_pool_critical_reserve: int = Field(default=2, ge=0)
    """Connections beyond DB_POOL_MAX only critical work takes (herald.runtime.pool): the
    `herald-review-critical` group's reviews never wait behind a bulk batch's for one."""
    review_policy_file: str | None = None
    """JSON or TOML review policy (see docs/review-rules.md); none means the defaults."""
    review_dictionary_dir: str | None = None
    """Operators' dictionaries, added to the shipped ones and reloaded when they change."""
    review_dictionary_check_s: float = 2.0
    review_timeout_s: float = 24 * 3600.0
    """A request waiting longer than this for a human expires."""
    review_expiry_check_s: float = 30.0
    review_queue_refresh_s: float = 15.0
    review_relay_grace_s: float = 30.0
    """A final decision not announced after this long is announced again (crash recovery)."""
    tracker_public_url: str = "http://127.0.0.1:8005"
    """The dispatcher's TRACKER_PUBLIC_URL: SMS length is judged with links as tracked."""
    tracking_key_id: str = "dev1"
    """The id (not the secret) of the first key of the dispatcher's TRACKING_KEYS: it is
    part of every tracked link, so of its length."""
    console_session_secret: SecretStr | None = None
    """The review console's secret (CSRF tokens, flash messages); unset: the console is off
    (404). Sessions themselves are kept server-side (`review.web_sessions`)."""
    console_cookie_secure: bool = True
    """Mark the console's cookies Secure (https only); false only for plain-http development."""
    console_session_ttl_s: float = 8 * 3600.0
    """A console session ends this long after login, however active."""
    console_idle_timeout_s: float = 30 * 60.0
    """A console session ends after this long without a request."""

    @field_validator("console_session_secret")
    @classmethod
    def _console_session_secret_long(cls, value: SecretStr | None) -> SecretStr | None:
        return long_secret("CONSOLE_SESSION_SECRET", value)
