"""Log lines: JSON, one format for ours and the standard library's, personal data masked."""

import io
import json
import logging
import sys
from collections.abc import Iterator

import pytest
import structlog

from herald.runtime.logging import configure_logging, redact_text


@pytest.fixture
def lines(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    configure_logging("svc", "INFO", json=True)
    yield out
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()
    logging.getLogger().handlers[:] = []


def parsed(out: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_our_lines_are_json_with_service_level_and_logger(lines: io.StringIO) -> None:
    structlog.get_logger("herald.demo").info("sent", delivery_id="d-1")
    [line] = parsed(lines)
    assert line["event"] == "sent"
    assert line["delivery_id"] == "d-1"
    assert (line["service"], line["level"], line["logger"]) == ("svc", "info", "herald.demo")
    assert str(line["timestamp"]).endswith("Z")


def test_lines_below_the_level_are_dropped(lines: io.StringIO) -> None:
    log = structlog.get_logger("herald.demo")
    log.debug("hidden")
    log.warning("shown")
    assert [line["event"] for line in parsed(lines)] == ["shown"]


def test_contact_fields_and_personal_data_in_text_are_masked(lines: io.StringIO) -> None:
    structlog.get_logger("herald.demo").info(
        "failed",
        phone="+8613800138000",
        contacts={"email": "li@example.com", "locale": "zh-CN"},
        detail="user li@example.com at 13800138000 or +447700900123 refused",
    )
    [line] = parsed(lines)
    text = json.dumps(line)
    for secret in ("13800138000", "li@example.com", "447700900123"):
        assert secret not in text
    assert line["phone"] == "[redacted]"
    assert line["contacts"] == "[redacted]"
    assert line["detail"] == "user [redacted] at [redacted] or [redacted] refused"


def test_standard_library_lines_share_the_format_and_the_masking(lines: io.StringIO) -> None:
    logging.getLogger("somelib.client").warning("client %s gone", "li@example.com")
    [line] = parsed(lines)
    assert line["event"] == "client [redacted] gone"
    assert (line["logger"], line["level"], line["service"]) == ("somelib.client", "warning", "svc")


def test_exceptions_are_rendered_into_the_line(lines: io.StringIO) -> None:
    try:
        raise ValueError("bad")
    except ValueError:
        structlog.get_logger("herald.demo").exception("boom")
    [line] = parsed(lines)
    assert "ValueError: bad" in str(line["exception"])


def test_redact_text_leaves_ordinary_numbers_alone() -> None:
    assert redact_text("order 20261127 of 3 items") == "order 20261127 of 3 items"
    assert redact_text("call 13912345678") == "call [redacted]"


def test_exception_text_is_masked_in_ours_and_the_standard_librarys(lines: io.StringIO) -> None:
    def fail() -> None:
        raise ValueError("could not deliver to li@example.com (+8613800138000)")

    for log in (structlog.get_logger("herald.demo"), logging.getLogger("lib")):
        try:
            fail()
        except ValueError:
            log.exception("send_failed")
    both = parsed(lines)
    assert len(both) == 2
    for line in both:
        assert "ValueError" in str(line["exception"])
        assert "li@example.com" not in json.dumps(line)
        assert "13800138000" not in json.dumps(line)
