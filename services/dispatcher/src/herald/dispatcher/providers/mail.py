"""Building one e-mail from one message: exactly one recipient, clean headers, or a reason.

A contact is one address or nothing: `a@x, b@y` (or `a@x; b@y`, a display name hiding a
second address, a quoted local part) is refused, because the envelope recipient is the
contact and a header list would reach people nobody chose. Every header value made from
message data has its control characters (CR and LF above all) turned into spaces, and
the message is serialised here, so anything that cannot be encoded fails now, as this
send's own permanent failure, never inside the SMTP session where it would look like the
server failing.
"""

import email.errors
import email.policy
import unicodedata
import urllib.parse
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, parseaddr

from herald.dispatcher.providers.base import Message

ATEXT = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~."
)
LABEL = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
SEVEN_BIT = email.policy.SMTP.clone(cte_type="7bit")
"""CRLF lines, and non-ASCII content in quoted-printable or base64: no 8BITMIME needed."""


class BuildError(ValueError):
    """The message cannot be made into an e-mail (bad contact, unencodable content)."""


@dataclass(frozen=True, slots=True)
class Mail:
    sender: str
    recipient: str
    data: bytes


def clean(value: str) -> str:
    """A header value without control characters (line breaks become spaces)."""
    return "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in value)


def one_address(contact: str) -> str | None:
    """The single bare address a contact holds, or None if it holds anything else."""
    if any(c in contact for c in ',;"()[]\\') or clean(contact) != contact:
        return None
    _name, address = parseaddr(contact)
    bare = contact.strip()
    if bare != address and not _named(bare, address):
        return None  # parseaddr dropped something: a space, a second address
    local, _, domain = address.partition("@")
    ascii_domain = _ascii_domain(domain)
    if "@" in domain or len(address) > 254 or not _local(local) or not ascii_domain:
        return None
    return f"{local}@{ascii_domain}"


def _local(local: str) -> bool:
    dots = local.startswith(".") or local.endswith(".") or ".." in local
    return 0 < len(local) <= 64 and set(local) <= ATEXT and not dots


def _named(contact: str, address: str) -> bool:
    """`Display Name <address>` with nothing else that looks like an address."""
    name = contact.removesuffix(f"<{address}>")
    return name != contact and not any(c in name for c in "<>@")


def _label(label: str) -> bool:
    return 0 < len(label) <= 63 and set(label) <= LABEL and "-" not in (label[0], label[-1])


def _ascii_domain(domain: str) -> str:
    """The domain in ASCII (IDNA) if every label is a valid host label, else ""."""
    try:
        labels = domain.encode("idna").decode("ascii").split(".")
    except UnicodeError:
        return ""
    return ".".join(labels) if all(_label(x) for x in labels) else ""


def unsubscribe_link(template: str | None, sender: str, message: Message) -> str:
    quoted = {
        "recipient_id": urllib.parse.quote(message.recipient_id, safe=""),
        "delivery_id": urllib.parse.quote(message.delivery_id, safe=""),
    }
    link = (template or "mailto:{sender}?subject=unsubscribe").format(sender=sender, **quoted)
    return clean(link).replace("<", "%3C").replace(">", "%3E")


def list_unsubscribe(message: Message, sender: str, template: str | None) -> bytes:
    """The `List-Unsubscribe` header lines of a marketing e-mail (RFC 2369, RFC 8058), or
    nothing for any other category (a receipt must not invite anyone to refuse it).

    Herald's own signed one-click link when the message has one, else the provider's
    `unsubscribe` template. Written as raw lines ahead of the serialised message rather
    than through `email`: its policy would fold a link longer than a line into RFC 2047
    encoded words, which mail clients do not read as a URL (RFC 5322 allows 998)."""
    if message.category != "marketing":
        return b""
    link = clean(message.unsubscribe_url or unsubscribe_link(template, sender, message))
    link = urllib.parse.quote(link.replace("<", "%3C").replace(">", "%3E"), safe=_URL_SAFE)
    if len(link) > 900:
        return b""
    lines = f"List-Unsubscribe: <{link}>\r\n"
    if link.startswith("https://"):
        lines += "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
    return lines.encode("ascii")


_URL_SAFE = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in '<>"\\ ')


def build(
    message: Message,
    sender: str,
    sender_name: str | None = None,
    unsubscribe: str | None = None,
) -> Mail:
    """The e-mail for `message`, serialised (7-bit clean); BuildError says why there is none."""
    recipient = one_address(message.contacts.email or "")
    if recipient is None:
        raise BuildError("e-mail contact is not exactly one address")
    try:
        return Mail(
            sender, recipient, _compose(message, recipient, sender, sender_name, unsubscribe)
        )
    except (ValueError, TypeError, LookupError, email.errors.MessageError) as exc:
        raise BuildError(f"e-mail cannot be built: {type(exc).__name__}") from exc


def _compose(
    message: Message, recipient: str, sender: str, name: str | None, unsubscribe: str | None
) -> bytes:
    mail = EmailMessage(policy=SEVEN_BIT)
    mail["From"] = formataddr((clean(name or ""), sender))
    mail["To"] = recipient
    mail["Subject"] = clean(message.subject or message.title)
    domain = sender.rpartition("@")[2] or "herald.local"
    mail["Message-ID"] = clean(f"<{message.delivery_id}@{domain}>")
    mail["X-Herald-Delivery-Id"] = clean(message.delivery_id)
    mail.set_content(message.body)
    if message.html:
        mail.add_alternative(message.html, subtype="html")
    return list_unsubscribe(message, sender, unsubscribe) + mail.as_bytes()
