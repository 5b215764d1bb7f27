"""Mail transactions on one open SMTP connection, pipelined where the server offers it.

With PIPELINING (RFC 2920) a message costs two round trips instead of four: MAIL FROM,
RCPT TO and DATA go in one write and their three replies are read together, then the
content and its final reply. aiosmtplib connects, upgrades to TLS and authenticates, but
its reply reader is one-command-one-reply (it drops replies that arrive while an earlier
one waits to be read), so for a run of pipelined transactions the connection's protocol
is swapped for `_Replies`, which queues every reply, and swapped back afterwards.

Each transaction ends as an Attempt; a connection that fails under it raises
`SessionLostError` (the caller drops the connection and decides what to retry).
"""

import asyncio
import contextlib
import re
import typing
from dataclasses import dataclass

import aiosmtplib

from herald.dispatcher.providers.base import Attempt, Blame, Result
from herald.dispatcher.providers.mail import Mail

MAX_REPLY = 8192
_LEADING_DOT = re.compile(rb"^\.", re.MULTILINE)


class SessionLostError(Exception):
    """The connection failed under a transaction. `maybe_sent` is False when the failure
    came before the message's content was written (then it cannot have been taken)."""

    def __init__(self, why: str, maybe_sent: bool = True) -> None:
        super().__init__(why)
        self.maybe_sent = maybe_sent


@dataclass(frozen=True, slots=True)
class Reply:
    code: int
    text: str


class _Replies(asyncio.Protocol):
    """Parses SMTP replies as they arrive (any number per read) into a queue."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[Reply] = asyncio.Queue()
        self._buffer, self._lines = bytearray(), list[bytes]()

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while (end := self._buffer.find(b"\n")) >= 0:
            line = bytes(self._buffer[: end + 1])
            del self._buffer[: end + 1]
            self._lines.append(line[4:].strip())
            if line[3:4] != b"-":
                code = int(line[:3]) if line[:3].isdigit() else -1
                text = b"\n".join(self._lines).decode("utf-8", "replace")[:MAX_REPLY]
                self.queue.put_nowait(Reply(code, text))
                self._lines = []
        if len(self._buffer) > MAX_REPLY:
            self.queue.put_nowait(Reply(-1, "reply too long"))

    def eof_received(self) -> bool:
        self.queue.put_nowait(Reply(-1, "connection closed"))
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.queue.put_nowait(Reply(-1, "connection lost"))


def refused(name: str, stage: str, reply: Reply) -> Attempt:
    """A refusal: 5xx is permanent; a refused recipient is this send's, not the server's."""
    result = Result.PERMANENT if reply.code >= 500 else Result.RETRYABLE
    blame = Blame.SEND if stage == "RCPT" else Blame.PROVIDER
    return Attempt(result, name, f"smtp {stage} {reply.code}", blame=blame)


class Pipeline:
    """A connection in pipelined mode; `close` gives it back to aiosmtplib."""

    def __init__(self, conn: aiosmtplib.SMTP, name: str, timeout: float) -> None:
        if conn.transport is None:
            raise SessionLostError("not connected", maybe_sent=False)
        self._transport = typing.cast(asyncio.WriteTransport, conn.transport)
        self.name, self._timeout = name, timeout
        self._original = self._transport.get_protocol()
        self._replies = _Replies()
        self._transport.set_protocol(self._replies)
        self._content_written = False

    async def _read(self) -> Reply:
        try:
            async with asyncio.timeout(self._timeout):
                reply = await self._replies.queue.get()
        except TimeoutError as exc:
            raise SessionLostError("no reply in time", self._content_written) from exc
        if reply.code < 0:
            raise SessionLostError(reply.text, self._content_written)
        return reply

    def _write(self, data: bytes) -> None:
        if self._transport.is_closing():
            raise SessionLostError("connection closed", self._content_written)
        self._transport.write(data)

    async def transact(self, mail: Mail) -> Attempt:
        self._content_written = False
        self._write(f"MAIL FROM:<{mail.sender}>\r\nRCPT TO:<{mail.recipient}>\r\nDATA\r\n".encode())
        sender, recipient, data = [await self._read() for _ in range(3)]
        problem = None
        if sender.code != 250:
            problem = refused(self.name, "MAIL", sender)
        elif recipient.code not in (250, 251):
            problem = refused(self.name, "RCPT", recipient)
        if data.code == 354 and problem is None:
            self._content_written = True
            self._write(_LEADING_DOT.sub(b"..", mail.data).rstrip(b"\r\n") + b"\r\n.\r\n")
            final = await self._read()
            if final.code == 250:
                return Attempt(Result.SENT, self.name, "smtp 250")
            return refused(self.name, "DATA", final)
        if data.code == 354:  # a server that took DATA with no recipient: end it empty
            self._write(b".\r\n")
            await self._read()
        self._write(b"RSET\r\n")
        await self._read()
        return problem or refused(self.name, "DATA", data)

    def close(self) -> None:
        if not self._transport.is_closing():
            self._transport.set_protocol(self._original)


async def plain(conn: aiosmtplib.SMTP, name: str, mail: Mail) -> Attempt:
    """One transaction the ordinary way (aiosmtplib's sendmail), for servers without
    PIPELINING."""
    try:
        await conn.sendmail(mail.sender, [mail.recipient], mail.data)
    except aiosmtplib.SMTPRecipientsRefused as exc:
        codes = [r.code for r in exc.recipients]
        code = codes[0] if codes and all(400 <= c < 500 for c in codes) else 550
        return refused(name, "RCPT", Reply(code, ""))
    except aiosmtplib.SMTPServerDisconnected as exc:  # as a server's idle timeout leaves it
        raise SessionLostError(type(exc).__name__, maybe_sent=False) from exc
    except aiosmtplib.SMTPResponseException as exc:
        stage = "DATA" if isinstance(exc, aiosmtplib.SMTPDataError) else "MAIL"
        return refused(name, stage, Reply(exc.code, exc.message))
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        raise SessionLostError(type(exc).__name__) from exc
    return Attempt(Result.SENT, name, "smtp 250")


def drop(conn: aiosmtplib.SMTP) -> None:
    if conn.is_connected:
        with contextlib.suppress(Exception):
            conn.close()
