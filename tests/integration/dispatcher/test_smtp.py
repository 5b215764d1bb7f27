"""The e-mail provider against a real SMTP server: STARTTLS, AUTH, multipart, headers."""

import dataclasses
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from herald.contracts import Channel
from herald.dispatcher.domain.links import TrackingLinks
from herald.dispatcher.domain.rendering import render
from herald.dispatcher.providers.base import Blame, Result
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
        attempt = await p.send(message(category="marketing"))
        again = await p.send(message(delivery_id="d-2"))
    finally:
        await p.aclose()
    assert attempt.result is Result.SENT
    assert again.result is Result.SENT
    assert smtp.mailbox.tls_seen == [True, True]
    [mail, notification] = smtp.mailbox.messages
    assert notification["List-Unsubscribe"] is None  # marketing only
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


# --- hostile input (issue 16) ----------------------------------------------------------------


async def test_a_line_break_in_the_subject_is_sent_as_a_space_and_adds_no_header(
    smtp: SmtpServer,
) -> None:
    content = {
        "title": "t",
        "body": "b",
        "variants": {"email": {"subject": "Sale\r\nBcc: evil@example.net\nX-Evil: 1"}},
    }
    p = provider(smtp)
    try:
        attempt = await p.send(render(send(channels=("email",), content=content), Channel.EMAIL))
    finally:
        await p.aclose()
    assert attempt.result is Result.SENT
    [mail] = smtp.mailbox.messages
    assert mail["Subject"] == "Sale  Bcc: evil@example.net X-Evil: 1"
    assert mail["Bcc"] is None
    assert mail["X-Evil"] is None
    assert smtp.mailbox.envelopes == [("news@acme.example", ["li@example.com"])]


@pytest.mark.parametrize(
    "contact",
    [
        "li@example.com, evil@example.net",
        "li@example.com; evil@example.net",
        "Li <li@example.com> <evil@example.net>",
        "li@example.com\r\nRCPT TO:<evil@example.net>",
        '"li,evil"@example.com',
    ],
)
async def test_a_contact_that_is_not_exactly_one_address_fails_that_send_only(
    smtp: SmtpServer, contact: str
) -> None:
    attempt = await provider(smtp).send(message(contacts={"email": contact}))
    assert attempt.result is Result.PERMANENT
    assert attempt.blame is Blame.SEND
    assert smtp.mailbox.envelopes == []


async def test_a_message_that_cannot_be_encoded_fails_that_send_only(smtp: SmtpServer) -> None:
    # a lone surrogate cannot be encoded; a batch path that skips validation could carry it
    broken = dataclasses.replace(message(), body="broken \ud800 surrogate")
    attempt = await provider(smtp).send(broken)
    assert attempt.result is Result.PERMANENT
    assert attempt.blame is Blame.SEND
    assert "cannot be built" in attempt.detail


async def test_a_refused_recipient_is_blamed_on_the_send_not_the_server(smtp: SmtpServer) -> None:
    smtp.mailbox.rcpt_answers = ["450 mailbox full"]
    p = provider(smtp)
    try:
        attempt = await p.send(message())
    finally:
        await p.aclose()
    assert (attempt.result, attempt.blame) == (Result.RETRYABLE, Blame.SEND)


# --- batches: one connection, pipelined where offered ------------------------------------


@pytest.mark.parametrize("pipelining", [True, False])
async def test_a_batch_reuses_its_connections_and_pipelines_when_offered(
    smtp: SmtpServer, pipelining: bool
) -> None:
    smtp.mailbox.pipelining = pipelining
    smtp.mailbox.refuse = {"gone@example.com": "550 no such user"}
    p = provider(smtp, pool_size=2)
    batch = [message(delivery_id=f"d-{i}") for i in range(10)]
    batch[3] = message(delivery_id="d-3", contacts={"email": "gone@example.com"})
    batch[6] = message(delivery_id="d-6", contacts={"email": "a@x.example, b@y.example"})
    try:
        attempts = await p.send_many(batch)
    finally:
        await p.aclose()
    assert smtp.mailbox.logins == 2  # one connection per lane, not one per message
    assert all(smtp.mailbox.data_waiting) is pipelining
    refused = [i for i, a in enumerate(attempts) if a.result is not Result.SENT]
    assert refused == [3, 6]
    assert (attempts[3].detail, attempts[3].blame) == ("smtp RCPT 550", Blame.SEND)
    assert attempts[6].detail == "e-mail contact is not exactly one address"
    assert {m["Message-ID"] for m in smtp.mailbox.messages} == {
        f"<d-{i}@acme.example>" for i in range(10) if i not in refused
    }


async def test_a_pooled_connection_that_died_is_replaced_before_a_batch_uses_it(
    smtp: SmtpServer,
) -> None:
    smtp.mailbox.pipelining = True
    p = provider(smtp, pool_size=1)
    try:
        assert (await p.send(message())).result is Result.SENT
        pooled = p._idle.get_nowait()
        pooled.transport.abort()  # dies under us, unnoticed until used
        p._idle.put_nowait(pooled)
        attempts = await p.send_many([message(delivery_id=f"d-{i}") for i in range(3)])
    finally:
        await p.aclose()
    assert [a.result for a in attempts] == [Result.SENT] * 3
