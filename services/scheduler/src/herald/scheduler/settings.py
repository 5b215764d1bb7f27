from pathlib import Path

from pydantic import Field, SecretStr, field_validator

from herald.runtime.settings import ServiceSettings
from herald.scheduler.domain.policy import Policies
from herald.scheduler.lanes import Lanes


# deliberate declaration: one field per setting (the README's settings table), read from the
# environment
class SchedulerSettings(ServiceSettings):
    http_port: int = 8003
    delivery_id_key: SecretStr = Field(
        description="the secret delivery ids are keyed with (HMAC-SHA256), at least 32 "
        "characters: without it nobody can compute a delivery's id. Changing it changes the "
        "ids of requests planned from then on (a plan resumed after a crash included)"
    )
    timer_poll_ms: int = 200
    """How often due timers are looked for when none were found last time."""
    release_batch: int = 1000
    """Timers claimed and released per transaction."""
    release_workers: int = Field(default=3, ge=0)
    """Release transactions in flight at once in this process (each claims its own rows)."""
    critical_release_workers: int = Field(default=1, ge=0)
    """Besides those, loops that release only the critical lanes (alert, transactional,
    `priority: critical`), so a marketing batch never stands before a critical timer; the
    others then release only the rest. 0: every loop releases every lane (with
    LANES=critical, one loop all the same)."""
    lanes: Lanes = "all"
    """The lanes this process serves (herald.scheduler.lanes): `all` (one process, the
    default); `critical`: only the critical planning group and the critical release loops,
    in a process a blast does not load (no HTTP API, no housekeeping); `bulk`: everything
    else, for the process beside a critical-only one."""
    db_pool_critical_reserve: int = Field(default=2, ge=0)
    """Connections beyond DB_POOL_MAX only critical work takes (herald.runtime.pool): a
    blast holding the pool's bulk share never makes a critical push wait for one."""
    expand_chunk: int = 5000
    """Recipients read from the directory per round trip while expanding an audience."""
    scheduler_policy_file: str | None = None
    """JSON file of tenant policies (quiet hours, time zone, blackout, caps, rates)."""
    scheduler_policy_json: str | None = None
    """The same JSON inline (used when no file is given)."""
    metrics_interval_s: float = 5.0
    """How often the timer gauges (pending, lag) are refreshed."""
    # deliberate declaration: settings fields, each documented
    engagement_keep_days: int = 35
    """How long delivery -> recipient links and engagement are kept for optimisation."""
    prune_interval_s: float = 3600.0
    dry_run_sample: int = 50_000
    """A dry run times at most about this many reachable recipients (a sample beyond)."""

    @field_validator("delivery_id_key")
    @classmethod
    def _long_enough(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < 32:
            raise ValueError("DELIVERY_ID_KEY must be at least 32 characters")
        return value

    def policies(self) -> Policies:
        """Read when the service is built (never at import)."""
        if self.scheduler_policy_file:
            text = Path(self.scheduler_policy_file).read_text(encoding="utf-8")
            return Policies.model_validate_json(text)
        if self.scheduler_policy_json:
            return Policies.model_validate_json(self.scheduler_policy_json)
        return Policies()
