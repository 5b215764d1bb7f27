"""What `make run` prints: JSON lines for machines, compact coloured lines for people.

The services always log JSON (already redacted) to a pipe; the devstack relays each
line as it is (`json`) or renders it like its own lines (`console`). `LOG_FORMAT`
chooses; by default a terminal gets `console` and anything else (a container, a file,
a pipe) gets `json`. The console shows Herald's own events (snake_case names) and every
warning and error; libraries' prose at info (partition assignments, uvicorn's start and
stop) is left to the JSON lines.
"""

import asyncio
import json
import re
import sys
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, TextIO

LogFormat = Literal["json", "console"]
FORMATS: tuple[LogFormat, ...] = ("json", "console")

_RESET, _DIM, _BOLD = "\x1b[0m", "\x1b[2m", "\x1b[1m"
_LEVELS = {
    "warning": ("WARN", "\x1b[33m"),
    "error": ("ERROR", "\x1b[31m"),
    "critical": ("CRIT", "\x1b[31m"),
}
_SERVICE_COLOURS = {
    "devstack": "\x1b[97m",
    "intake": "\x1b[36m",
    "review": "\x1b[35m",
    "scheduler": "\x1b[34m",
    "dispatcher": "\x1b[32m",
    "tracker": "\x1b[33m",
}
_SHOWN_ELSEWHERE = frozenset({"timestamp", "level", "service", "event", "logger", "exception"})
_OWN_EVENT = re.compile(r"[a-z][a-z0-9_]*")
_QUIET_LEVELS = frozenset({"debug", "info"})


def choose_format(env: Mapping[str, str], stdout_is_tty: bool) -> LogFormat:
    """`LOG_FORMAT` if set, else `console` on a terminal and `json` anywhere else."""
    given = env.get("LOG_FORMAT", "").strip().lower()
    if not given:
        return "console" if stdout_is_tty else "json"
    for known in FORMATS:
        if given == known:
            return known
    raise SystemExit(f"LOG_FORMAT={given!r} is not one of: {', '.join(FORMATS)}")


def use_colour(env: Mapping[str, str], stdout_is_tty: bool) -> bool:
    """Colour on a terminal, unless NO_COLOR is set (https://no-color.org)."""
    return stdout_is_tty and not env.get("NO_COLOR")


@dataclass(frozen=True)
class CompactRenderer:
    """`09:41:07 dispatcher  would_send  channel=app_push title=…`: one line per event.

    Usable as structlog's last processor and on the dicts parsed from services' lines."""

    colour: bool = True

    def __call__(self, _logger: Any, _name: str, event: MutableMapping[str, Any]) -> str:
        service = str(event.get("service") or event.get("logger") or "")
        head = f"{_clock(event.get('timestamp'))} {self._service(service)}"
        level = str(event.get("level", "info")).lower()
        if level in _LEVELS:
            label, style = _LEVELS[level]
            head += f" {self._paint(label, style)}"
        fields = " ".join(
            f"{self._paint(k, _DIM)}={_value(v)}"
            for k, v in event.items()
            if k not in _SHOWN_ELSEWHERE
        )
        line = f"{head} {self._paint(str(event.get('event', '')), _BOLD)}  {fields}".rstrip()
        trace = event.get("exception")
        return f"{line}\n{trace}" if trace else line

    def raw(self, service: str, text: str) -> str:
        """A line that is not JSON (a crash before logging was set up, say)."""
        return f"{_clock(None)} {self._service(service)} {text}"

    def _service(self, name: str) -> str:
        return self._paint(f"{name:<10}", _SERVICE_COLOURS.get(name, ""))

    def _paint(self, text: str, style: str) -> str:
        return f"{style}{text}{_RESET}" if self.colour and style else text


def _clock(stamp: object) -> str:
    """Local wall-clock time of an ISO timestamp (now, if there is none)."""
    try:
        at = datetime.fromisoformat(str(stamp)) if stamp else datetime.now().astimezone()
    except ValueError:
        at = datetime.now().astimezone()
    return at.astimezone().strftime("%H:%M:%S")


def _value(value: object) -> str:
    if isinstance(value, str):
        bare = value.isprintable() and " " not in value and value != ""
        return value if bare else json.dumps(value, ensure_ascii=False)
    return json.dumps(value, ensure_ascii=False, default=str, separators=(",", ":"))


@dataclass
class Relay:
    """Copies each service's output to the devstack's, in the chosen format."""

    log_format: LogFormat
    renderer: CompactRenderer
    out: TextIO = sys.stdout

    async def __call__(self, service: str, stream: asyncio.StreamReader) -> None:
        while True:
            try:
                chunk = await stream.readuntil(b"\n")
            except asyncio.IncompleteReadError as end:
                if end.partial:
                    self.line(service, end.partial)
                return
            except asyncio.LimitOverrunError as long:
                chunk = await stream.readexactly(long.consumed)
            self.line(service, chunk)

    def line(self, service: str, raw: bytes) -> None:
        text = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        shown = text if self.log_format == "json" else self.render(service, text)
        if shown is not None:
            self.out.write(shown + "\n")
            self.out.flush()

    def render(self, service: str, text: str) -> str | None:
        """The line for people, or None for library chatter."""
        try:
            event = json.loads(text)
        except ValueError:
            event = None
        if not isinstance(event, dict):
            return self.renderer.raw(service, text)
        if chatter(event):
            return None
        event.setdefault("service", service)
        return self.renderer(None, "", event)


def chatter(event: Mapping[str, Any]) -> bool:
    """A library's info line: its event is prose, not one of Herald's snake_case names."""
    quiet = str(event.get("level", "info")).lower() in _QUIET_LEVELS
    return quiet and not _OWN_EVENT.fullmatch(str(event.get("event", "")))
