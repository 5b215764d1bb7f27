"""The e-mail provider against a real SMTP server: STARTTLS, AUTH, multipart, headers."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from herald.contracts import Channel
from herald.dispatcher.domain.links import TrackingLinks
from herald.dispatcher.domain.rendering import render
from herald.dispatcher.providers.base import Result
from herald.dispatcher.providers.smtp import SmtpConfig, SmtpProvider
from tests.integration.dispatcher.smtp_server import SmtpServer
from tests.unit.dispatcher.builders import SIGNER, T0, send

LINKS = TrackingLinks(SIGNER, "https://t.example", lambda: T0 + timedelta(days=30))


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpServer]:
    server = SmtpServer(tmp_path).start()
    try:
        yield server
    finally:
        server.stop()


def provider(smtp: SmtpServer, **over: object) -> SmtpProvider:
    cfg = {
        "host": "127.0.0.1",
        "port": smtp.port,
        "username": "herald",
        "password": "s3cret",
        "sender": "news@acme.example",
        "sender_name": "Acme",
        "ca_file": str(smtp.cert),
        "unsubscribe": "https://acme.example/unsub/{recipient_id}",
        "timeout_s": 5.0,
    }
    cfg.update(over)
    return SmtpProvider(SmtpConfig(**cfg), "smtp")  # type: ignore[arg-type]


def message(**over: object):  # type: ignore[no-untyped-def]
    content = {
        "title": "冬季特卖",
        "body": "会员 5 折 https://shop.example.com/w",
        "variants": {
            "email": {"subject": "Winter sale", "html": "<p>Hi <b>there</b><script>x</script></p>"}
        },
    }
    return render(send(content=content, **over), Channel.EMAIL, LINKS)


async def test_email_goes_over_starttls_with_auth_as_text_and_sanitised_html(
    smtp: SmtpServer,
) -> None:
    p = provider(smtp)
    try:
        attempt = await p.send(message())
        again = await p.send(message(delivery_id="d-2"))
    finally:
        await p.aclose()
    assert attempt.result is Result.SENT
    assert again.result is Result.SENT
    assert smtp.mailbox.tls_seen == [True, True]
    [mail, _] = smtp.mailbox.messages
    assert mail["Subject"] == "Winter sale"
    assert mail["To"] == "li@example.com"
    assert mail["Message-ID"] == "<d-1@acme.example>"
    assert mail["List-Unsubscribe"] == "<https://acme.example/unsub/u-1>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    parts = {
        p.get_content_type(): p.get_payload(decode=True).decode()
        for p in mail.walk()
        if not p.is_multipart()
    }
    assert "https://t.example/r/" in parts["text/plain"]
    assert "<b>there</b>" in parts["text/html"]
    assert "<script" not in parts["text/html"]
    assert "https://t.example/o/" in parts["text/html"]


async def test_wrong_password_is_a_permanent_error(smtp: SmtpServer) -> None:
    p = provider(smtp, password="wrong")
    attempt = await p.send(message())
    assert attempt.result is Result.PERMANENT
    assert "SMTPAuthenticationError" in attempt.detail


async def test_temporary_refusal_is_retryable_and_permanent_refusal_is_not(
    smtp: SmtpServer,
) -> None:
    p = provider(smtp)
    smtp.mailbox.rcpt_answers = ["450 mailbox busy", "550 no such user"]
    try:
        first = await p.send(message())
        second = await p.send(message())
        smtp.mailbox.data_answers = ["451 try later"]
        third = await p.send(message())
        fourth = await p.send(message())
    finally:
        await p.aclose()
    assert [first.result, second.result, third.result, fourth.result] == [
        Result.RETRYABLE,
        Result.PERMANENT,
        Result.RETRYABLE,
        Result.SENT,
    ]


async def test_server_down_is_retryable(tmp_path: Path) -> None:
    from herald.devstack.ports import free_port

    p = SmtpProvider(
        SmtpConfig(host="127.0.0.1", port=free_port(), sender="a@b.example", timeout_s=2), "smtp"
    )
    attempt = await p.send(message())
    assert attempt.result is Result.RETRYABLE


async def test_no_address_is_permanent(smtp: SmtpServer) -> None:
    attempt = await provider(smtp).send(message(contacts={"phone": "+8613800000000"}))
    assert attempt.result is Result.PERMANENT


async def test_a_pooled_connection_the_server_dropped_is_replaced_transparently(
    smtp: SmtpServer,
) -> None:
    p = provider(smtp)
    try:
        assert (await p.send(message())).result is Result.SENT
        pooled = p._idle.get_nowait()
        pooled.close()  # as a server's idle timeout would
        p._idle.put_nowait(pooled)
        assert (await p.send(message(delivery_id="d-2"))).result is Result.SENT
    finally:
        await p.aclose()
    assert len(smtp.mailbox.messages) == 2
