"""`make run`'s output: JSON lines for machines, readable lines on a terminal or when asked."""

import asyncio
import io
import json
import logging
import sys
from collections.abc import Iterator

import pytest
import structlog

from herald.devstack.console import CompactRenderer, Relay, choose_format, use_colour
from herald.runtime.logging import configure_logging

SEND = {
    "event": "would_send",
    "delivery_id": "d-1",
    "channel": "app_push",
    "title": "冬季特卖 今晚开始",
    "logger": "herald.dispatcher.providers.log",
    "service": "dispatcher",
    "level": "info",
    "timestamp": "2026-11-27T12:00:05.123456Z",
}


def line(event: dict[str, object]) -> bytes:
    return (json.dumps(event, ensure_ascii=False) + "\n").encode()


async def relayed(fmt: str, *chunks: bytes, limit: int = 4096) -> str:
    out = io.StringIO()
    relay = Relay("json" if fmt == "json" else "console", CompactRenderer(colour=False), out)
    stream = asyncio.StreamReader(limit=limit)
    for chunk in chunks:
        stream.feed_data(chunk)
    stream.feed_eof()
    await relay("dispatcher", stream)
    return out.getvalue()


@pytest.mark.parametrize(
    ("env", "tty", "expected"),
    [
        ({}, True, "console"),
        ({}, False, "json"),
        ({"LOG_FORMAT": "json"}, True, "json"),
        ({"LOG_FORMAT": "console"}, False, "console"),
        ({"LOG_FORMAT": " Console "}, False, "console"),
    ],
)
def test_a_terminal_gets_readable_lines_anything_else_json_unless_told(
    env: dict[str, str], tty: bool, expected: str
) -> None:
    assert choose_format(env, tty) == expected


def test_an_unknown_log_format_stops_with_the_choices() -> None:
    with pytest.raises(SystemExit, match="'yaml' is not one of: json, console"):
        choose_format({"LOG_FORMAT": "yaml"}, True)


def test_colour_only_on_a_terminal_and_never_with_no_color() -> None:
    assert use_colour({}, True)
    assert not use_colour({"NO_COLOR": "1"}, True)
    assert not use_colour({}, False)


async def test_json_lines_pass_through_unchanged() -> None:
    assert await relayed("json", line(SEND)) == line(SEND).decode()


async def test_console_lines_read_as_time_service_event_and_fields() -> None:
    [shown] = (await relayed("console", line(SEND))).splitlines()
    assert shown.split()[1:4] == ["dispatcher", "would_send", "delivery_id=d-1"]
    assert "channel=app_push" in shown
    assert 'title="冬季特卖 今晚开始"' in shown
    assert "{" not in shown
    assert "herald.dispatcher.providers.log" not in shown


async def test_console_marks_warnings_and_shows_the_exception_below() -> None:
    failing = {**SEND, "level": "error", "event": "send_failed", "exception": "Traceback: boom"}
    shown = (await relayed("console", line(failing))).splitlines()
    assert shown[0].split()[1:4] == ["dispatcher", "ERROR", "send_failed"]
    assert shown[1] == "Traceback: boom"


async def test_console_keeps_a_value_with_a_line_break_on_one_line() -> None:
    shown = await relayed("console", line({**SEND, "detail": "first\nsecond"}))
    assert len(shown.splitlines()) == 1
    assert 'detail="first\\nsecond"' in shown


async def test_console_leaves_library_prose_at_info_to_the_json_lines() -> None:
    chatter = {"event": "Consumer c-1 assigned to partitions", "level": "info"}
    alarm = {"event": "Unable connect to node 111", "level": "error", "logger": "aiokafka"}
    shown = await relayed("console", line(chatter), line(alarm))
    assert "assigned to partitions" not in shown
    assert "ERROR Unable connect to node 111" in shown


async def test_console_keeps_lines_that_are_not_json_and_the_redaction_already_done() -> None:
    masked = {**SEND, "event": "send_failed", "detail": "[redacted] refused"}
    shown = await relayed("console", b"Traceback (most recent call last):\n", line(masked))
    first, second = shown.splitlines()
    assert first.split(maxsplit=2)[1:] == ["dispatcher", "Traceback (most recent call last):"]
    assert 'detail="[redacted] refused"' in second


async def test_an_overlong_line_and_an_unterminated_last_line_are_still_shown() -> None:
    shown = await relayed("json", b"x" * 600 + b"\n", b"tail without newline", limit=256)
    assert shown.replace("\n", "") == "x" * 600 + "tail without newline"


@pytest.fixture
def devstack_log(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    configure_logging("devstack", renderer=CompactRenderer(colour=False))
    yield out
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()
    logging.getLogger().handlers[:] = []


def test_the_devstacks_own_lines_look_the_same_and_are_still_masked(
    devstack_log: io.StringIO,
) -> None:
    structlog.get_logger("herald.devstack").info("seeded", phone="+8613800000003", n=3)
    [shown] = devstack_log.getvalue().splitlines()
    assert shown.split()[1:] == ["devstack", "seeded", "phone=[redacted]", "n=3"]
