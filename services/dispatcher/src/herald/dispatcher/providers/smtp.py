"""E-mail over SMTP (aiosmtplib): STARTTLS and AUTH, multipart text + HTML, List-Unsubscribe.

Connections are pooled (at most `pool_size`) and reused: `send_many` splits a batch into
one lane per connection, and each lane sends its messages one after another on its
connection, pipelined where the server offers PIPELINING (smtp_session.py). A connection
that fails is dropped; a message that cannot have reached the server (the failure came
before its content was written) is tried once more on a fresh connection. The
Message-ID is derived from the delivery id, so a message sent again after a crash
carries the same id and receiving systems can drop the repeat.

A message that cannot be built (mail.py: not exactly one address, unencodable content)
is this send's permanent failure, and so is a refused recipient, temporary or not: both
are `Blame.SEND`, so they never count against the breaker every tenant's e-mail shares.
"""

import asyncio
import ssl
from collections.abc import Sequence
from dataclasses import dataclass

import aiosmtplib

from herald.dispatcher.providers.base import Attempt, Blame, Message, Provider, Result
from herald.dispatcher.providers.mail import BuildError, Mail, build
from herald.dispatcher.providers.smtp_session import Pipeline, SessionLostError, drop, plain

CONNECT_ERRORS = (aiosmtplib.SMTPException, OSError, TimeoutError)


# deliberate declaration: the server and sender, as config.SmtpSpec resolves them (secrets read)
@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int = 587
    starttls: bool = True
    use_tls: bool = False
    username: str | None = None
    password: str | None = None
    sender: str = "herald@localhost"
    sender_name: str | None = None
    unsubscribe: str | None = None
    """A template with {recipient_id} and {delivery_id}; default mailto the sender."""
    timeout_s: float = 10.0
    pool_size: int = 4
    verify_tls: bool = True
    ca_file: str | None = None


def classify(exc: Exception) -> Result:
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        return Result.PERMANENT
    if isinstance(exc, aiosmtplib.SMTPResponseException) and exc.code >= 500:
        return Result.PERMANENT
    return Result.RETRYABLE


class SmtpProvider(Provider):
    def __init__(self, cfg: SmtpConfig, name: str = "smtp") -> None:
        self.name, self._cfg = name, cfg
        self.concurrency = cfg.pool_size
        self._idle: asyncio.LifoQueue[aiosmtplib.SMTP] = asyncio.LifoQueue()
        self._slots = asyncio.Semaphore(cfg.pool_size)

    def _tls(self) -> ssl.SSLContext | None:
        if self._cfg.verify_tls and not self._cfg.ca_file:
            return None
        ctx = ssl.create_default_context(cafile=self._cfg.ca_file)
        if not self._cfg.verify_tls:
            ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
        return ctx

    async def _connect(self) -> aiosmtplib.SMTP:
        c = self._cfg
        client = aiosmtplib.SMTP(
            hostname=c.host,
            port=c.port,
            use_tls=c.use_tls,
            start_tls=c.starttls if not c.use_tls else False,
            username=c.username,
            password=c.password,
            timeout=c.timeout_s,
            tls_context=self._tls(),
        )
        await client.connect()
        return client

    def _build(self, message: Message) -> Mail | Attempt:
        if not message.contacts.email:
            return Attempt(Result.PERMANENT, self.name, "no e-mail address", blame=Blame.SEND)
        c = self._cfg
        try:
            return build(message, c.sender, c.sender_name, c.unsubscribe)
        except BuildError as exc:
            return Attempt(Result.PERMANENT, self.name, str(exc), blame=Blame.SEND)

    async def send(self, message: Message) -> Attempt:
        return (await self.send_many([message]))[0]

    async def send_many(self, messages: Sequence[Message]) -> list[Attempt]:
        built = [self._build(m) for m in messages]
        todo = [(i, b) for i, b in enumerate(built) if isinstance(b, Mail)]
        width = max(1, min(self._cfg.pool_size, len(todo)))
        lanes = [todo[k::width] for k in range(width)]
        answers = await asyncio.gather(*(self._lane([m for _, m in lane]) for lane in lanes))
        out = {
            i: a
            for lane, got in zip(lanes, answers, strict=True)
            for (i, _), a in zip(lane, got, strict=True)
        }
        return [b if isinstance(b, Attempt) else out[i] for i, b in enumerate(built)]

    async def _lane(self, mails: list[Mail]) -> list[Attempt]:
        """Send `mails` in order on one connection (replaced if it fails)."""
        if not mails:
            return []
        out: list[Attempt] = []
        again = -1  # the index of a message already given its second connection
        async with self._slots:
            conn = self._pooled()
            while len(out) < len(mails):
                if conn is None:
                    try:
                        conn = await self._connect()
                    except CONNECT_ERRORS as exc:
                        return out + [self._failed(exc)] * (len(mails) - len(out))
                try:
                    await self._run(conn, mails, out)
                except SessionLostError as exc:
                    drop(conn)
                    conn = None
                    if exc.maybe_sent or again == len(out):
                        detail = f"smtp connection lost: {exc}"[:120]
                        out.append(Attempt(Result.RETRYABLE, self.name, detail))
                    else:
                        again = len(out)
            self._release(conn)
        return out

    async def _run(self, conn: aiosmtplib.SMTP, mails: list[Mail], out: list[Attempt]) -> None:
        """Appends each message's Attempt as it is known: a lost connection keeps them."""
        pipe = Pipeline(conn, self.name, self._cfg.timeout_s) if _pipelines(conn) else None
        try:
            for mail in mails[len(out) :]:
                attempt = await (pipe.transact(mail) if pipe else plain(conn, self.name, mail))
                out.append(attempt)
        finally:
            if pipe is not None:
                pipe.close()

    def _pooled(self) -> aiosmtplib.SMTP | None:
        while not self._idle.empty():
            conn = self._idle.get_nowait()
            if _usable(conn):
                return conn
            drop(conn)
        return None

    def _release(self, conn: aiosmtplib.SMTP | None) -> None:
        if conn is not None and _usable(conn):
            self._idle.put_nowait(conn)
        elif conn is not None:
            drop(conn)

    def _failed(self, exc: Exception) -> Attempt:
        code = getattr(exc, "code", None)
        return Attempt(classify(exc), self.name, f"smtp {type(exc).__name__} {code or ''}".strip())

    async def aclose(self) -> None:
        while not self._idle.empty():
            conn = self._idle.get_nowait()
            try:
                await conn.quit()
            except (aiosmtplib.SMTPException, OSError, TimeoutError):
                drop(conn)


def _pipelines(conn: aiosmtplib.SMTP) -> bool:
    return conn.supports_extension("pipelining")


def _usable(conn: aiosmtplib.SMTP) -> bool:
    return conn.is_connected and conn.transport is not None and not conn.transport.is_closing()
