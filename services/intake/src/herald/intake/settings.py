"""Intake's settings, read from the environment when the service is built."""

from datetime import datetime, timedelta

from pydantic import SecretStr, field_validator

from herald.intake.callbacks.settings import CallbackSettings
from herald.intake.domain import Limits
from herald.runtime.secret_rules import long_secret


class IntakeSettings(CallbackSettings):
    """Intake's own settings, and its status callbacks' (`callbacks.settings`)."""

    http_port: int = 8001
    max_payload_bytes: int = 16 * 1024 * 1024
    """The largest request, over HTTP (`POST /v1/requests`; every other route keeps
    `HTTP_MAX_BODY_BYTES`) and on push.requests.v1: 100,000 recipient ids of 128
    characters are ~13.2 MB of JSON, and the content may add a little over 2 MB."""
    send_at_grace_s: int = 300
    """How far in the past `send_at` may be (clock skew, queueing) before it is refused."""
    review_url: str = "http://127.0.0.1:8002"
    """Review's base URL, asked by a dry run (`POST /v1/dry-run`)."""
    scheduler_url: str = "http://127.0.0.1:8003"
    """The scheduler's base URL, asked by a dry run."""
    dry_run_timeout_s: float = 10.0
    """How long a dry run waits for review or the scheduler before answering 503."""
    tracker_url: str = "http://127.0.0.1:8005"
    """Tracker's base URL, asked by the portal for reports (with the user's own key)."""
    reports_timeout_s: float = 10.0
    """How long the portal waits for tracker's reports."""
    portal_session_secret: SecretStr | None = None
    """The portal's secret (CSRF tokens, the sealed keys of its sessions); unset: the
    portal is off (404)."""
    portal_cookie_secure: bool = True
    """Mark the portal's cookie Secure (https only); false only for plain-http development."""
    portal_session_ttl_s: float = 8 * 3600.0
    """A portal session ends this long after login, however active."""
    portal_idle_timeout_s: float = 30 * 60.0
    """A portal session ends after this long without a request."""
    portal_refresh_s: int = 5
    """Pages of requests still in flight reload themselves this often (seconds)."""
    recipients_import_max_bytes: int = 1024**3
    """The largest body `POST /v1/recipients/import` takes (streamed, checked per line)."""
    recipients_import_max_line_bytes: int = 64 * 1024
    """The longest one line of an import may be; a longer line is refused on its own."""
    recipients_import_batch: int = 1000
    """Recipients published (or spooled) at a time during an import."""
    directory_timeout_s: float = 10.0
    """How long `GET /v1/recipients/{id}` waits for the scheduler's directory."""
    portal_timezone: str = "UTC"
    """The time zone the portal's form starts with for send and expiry times."""

    def limits(self, now: datetime) -> Limits:
        """What a request is checked against, now."""
        return Limits(
            self.max_payload_bytes,
            self.tenant_set,
            timedelta(seconds=self.send_at_grace_s),
            now,
        )

    @field_validator("portal_session_secret")
    @classmethod
    def _portal_session_secret_long(cls, value: SecretStr | None) -> SecretStr | None:
        return long_secret("PORTAL_SESSION_SECRET", value)
