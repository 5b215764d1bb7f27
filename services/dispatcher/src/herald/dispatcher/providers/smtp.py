"""E-mail over SMTP (aiosmtplib): STARTTLS and AUTH, multipart text + HTML, List-Unsubscribe.

Connections are pooled (one per concurrent send) and dropped on any error. The
Message-ID is derived from the delivery id, so a message sent again after a crash
carries the same id and receiving systems can drop the repeat.
"""

import asyncio
import contextlib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr

import aiosmtplib

from herald.dispatcher.providers.base import Attempt, Message, Result


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


def build_email(cfg: SmtpConfig, message: Message) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = formataddr((cfg.sender_name or "", cfg.sender))
    mail["To"] = message.contacts.email or ""
    mail["Subject"] = message.subject or message.title
    domain = cfg.sender.rpartition("@")[2] or "herald.local"
    mail["Message-ID"] = f"<{message.delivery_id}@{domain}>"
    unsub = (cfg.unsubscribe or "mailto:{sender}?subject=unsubscribe").format(
        recipient_id=message.recipient_id, delivery_id=message.delivery_id, sender=cfg.sender
    )
    mail["List-Unsubscribe"] = f"<{unsub}>"
    if unsub.startswith("https://"):
        mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mail["X-Herald-Delivery-Id"] = message.delivery_id
    mail.set_content(message.body)
    if message.html:
        mail.add_alternative(message.html, subtype="html")
    return mail


def classify(exc: Exception) -> Result:
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [r.code for r in exc.recipients]
        return (
            Result.RETRYABLE if codes and all(400 <= c < 500 for c in codes) else Result.PERMANENT
        )
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        return Result.PERMANENT
    if isinstance(exc, aiosmtplib.SMTPResponseException) and exc.code >= 500:
        return Result.PERMANENT
    return Result.RETRYABLE


class SmtpProvider:
    def __init__(self, cfg: SmtpConfig, name: str = "smtp") -> None:
        self.name, self._cfg = name, cfg
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

    async def send(self, message: Message) -> Attempt:
        if not message.contacts.email:
            return Attempt(Result.PERMANENT, self.name, "no e-mail address")
        mail = build_email(self._cfg, message)
        async with self._slots:
            pooled = None if self._idle.empty() else self._idle.get_nowait()
            if pooled is not None:
                try:
                    return await self._send_on(pooled, mail)
                except aiosmtplib.SMTPServerDisconnected:
                    await self._discard(pooled)  # the server closed an idle connection
                except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
                    await self._discard(pooled)
                    return self._failed(exc)
            try:
                return await self._send_on(await self._connect(), mail)
            except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
                return self._failed(exc)

    async def _send_on(self, client: aiosmtplib.SMTP, mail: EmailMessage) -> Attempt:
        """Send on this connection; it goes back to the pool only if all went well."""
        try:
            _errors, reply = await client.send_message(mail)
        except BaseException:
            await self._discard(client)
            raise
        self._idle.put_nowait(client)
        return Attempt(Result.SENT, self.name, f"smtp {reply.split(' ', 1)[0]}")

    def _failed(self, exc: Exception) -> Attempt:
        code = getattr(exc, "code", None)
        return Attempt(classify(exc), self.name, f"smtp {type(exc).__name__} {code or ''}".strip())

    async def _discard(self, client: aiosmtplib.SMTP | None) -> None:
        if client is not None and client.is_connected:
            with contextlib.suppress(Exception):
                client.close()

    async def aclose(self) -> None:
        while not self._idle.empty():
            client = self._idle.get_nowait()
            with contextlib.suppress(Exception):
                await client.quit()
