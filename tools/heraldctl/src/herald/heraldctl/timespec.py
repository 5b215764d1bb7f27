"""`--since` and `--until` values: a duration back from now (`90s`, `30m`, `24h`, `7d`,
`2w`) or an RFC 3339 time (one without an offset is taken as UTC)."""

import re
from datetime import UTC, datetime, timedelta

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"^(\d+)([smhdw])$")


def parse_time(text: str, now: datetime | None = None) -> datetime:
    """Raises ValueError with a message fit for the user."""
    now = now or datetime.now(UTC)
    text = text.strip()
    match = _DURATION.match(text)
    if match:
        return now - timedelta(seconds=int(match[1]) * _UNITS[match[2]])
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{text!r} is neither a duration (30m, 24h, 7d, 2w) nor an RFC 3339 time"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)
