"""Intake's settings, read from the environment when the service is built."""

from datetime import datetime, timedelta

from herald.intake.callbacks.settings import CallbackSettings
from herald.intake.domain import Limits


class IntakeSettings(CallbackSettings):
    """Intake's own settings, and its status callbacks' (`callbacks.settings`)."""

    http_port: int = 8001
    max_payload_bytes: int = 256 * 1024
    send_at_grace_s: int = 300
    """How far in the past `send_at` may be (clock skew, queueing) before it is refused."""
    review_url: str = "http://127.0.0.1:8002"
    """Review's base URL, asked by a dry run (`POST /v1/dry-run`)."""
    scheduler_url: str = "http://127.0.0.1:8003"
    """The scheduler's base URL, asked by a dry run."""
    dry_run_timeout_s: float = 10.0
    """How long a dry run waits for review or the scheduler before answering 503."""

    def limits(self, now: datetime) -> Limits:
        """What a request is checked against, now."""
        return Limits(
            self.max_payload_bytes,
            self.tenant_set,
            timedelta(seconds=self.send_at_grace_s),
            now,
        )
