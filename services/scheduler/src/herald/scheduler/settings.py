from herald.runtime.settings import ServiceSettings


class SchedulerSettings(ServiceSettings):
    http_port: int = 8003
    timer_poll_ms: int = 200
    """How often due timers are looked for when none were found last time."""
    release_batch: int = 1000
    """Timers claimed and released per transaction."""
    expand_chunk: int = 5000
    """Recipients read from the directory per round trip while expanding an audience."""
