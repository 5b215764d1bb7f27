"""Which addresses a recipient-supplied URL (webhook, chat robot) may reach (SSRF).

A webhook URL comes from a recipient's profile, that is from a tenant. It must be http(s)
with a host, and every address the host resolves to must be public: not loopback,
unspecified, link-local (169.254.0.0/16 with the cloud metadata service, fe80::/10),
private (10/8, 172.16/12, 192.168/16, fc00::/7), CGNAT (100.64/10, where Alibaba Cloud's
metadata service lives), multicast, reserved or benchmarking ranges, nor an IPv6 form
that carries one of those (IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible `::a.b.c.d`,
6to4 `2002::/16`, NAT64 `64:ff9b::/96` and the local-use `64:ff9b:1::/48`).

The check runs before the call (a clear answer) and again on the very address each
connection is opened to (`egress.py`), so a name that resolves to a public address at
check time and to 127.0.0.1 a moment later (DNS rebinding) never reaches loopback.

Deployments whose receivers live on a private network list those ranges for the
provider (`allow_networks`, private ranges only: loopback, link-local and multicast can
never be listed); `WEBHOOK_ALLOW_PRIVATE=true` lets everything through and is for local
development only.
"""

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx

from herald.dispatcher.providers.base import Attempt, Blame, Result

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Awaitable[list[str]]]
"""host, port -> the addresses a connection may go to."""

NEVER_PUBLIC: tuple[Network, ...] = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "198.18.0.0/15", "224.0.0.0/4",
        "240.0.0.0/4", "::/96", "64:ff9b:1::/48", "fc00::/7", "fe80::/10", "ff00::/8",
    )
)  # fmt: skip
"""Ranges Python's `is_global` lets through that no webhook may reach."""
NEVER_LISTED: tuple[Network, ...] = tuple(
    ipaddress.ip_network(n)
    for n in ("0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/4", "::/127",
              "fe80::/10", "ff00::/8")
)  # fmt: skip
"""Ranges a deployment can never allow-list: loopback, link-local, multicast."""
_NAME_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_COMPAT = ipaddress.ip_network("::/96")


class TargetRefusedError(Exception):
    """A connection to an address the policy does not allow (raised by the transport)."""


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def embedded(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, compatible, 6to4, NAT64)."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64 or ip in _COMPAT:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def public(ip: Address) -> bool:
    return ip.is_global and not ip.is_multicast and not any(ip in n for n in NEVER_PUBLIC)


def listable(network: Network) -> bool:
    """Whether a deployment may allow-list this range (private ones only)."""
    return not any(network.overlaps(n) for n in NEVER_LISTED if n.version == network.version)


@dataclass(frozen=True)
class Targets:
    """The address policy for one provider's recipient-supplied URLs, and its resolver."""

    allow_all: bool = False
    allowed: tuple[Network, ...] = ()
    resolver: Resolver = field(default=system_resolver)

    def permits(self, address: str) -> bool:
        if self.allow_all:
            return True
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        inner = embedded(ip) if isinstance(ip, ipaddress.IPv6Address) else None
        if any((inner or ip) in n for n in self.allowed):
            return True
        return public(ip) and (inner is None or public(inner))

    async def vetted(self, host: str, port: int) -> list[str]:
        """The addresses `host` may be reached at; TargetRefusedError if any is not allowed."""
        if self.allow_all:
            return [host]
        try:
            ipaddress.ip_address(host.split("%", 1)[0])
            found = [host]
        except ValueError:
            found = list(dict.fromkeys(await self.resolver(host, port)))
        if not found or not all(self.permits(a) for a in found):
            raise TargetRefusedError("webhook target is not a public address")
        return found

    async def refuse(self, name: str, url: str) -> Attempt | None:
        """None if the URL may be called, else the Attempt saying why not."""
        try:
            parsed = httpx.URL(url)
            host, port = parsed.host, parsed.port or (443 if parsed.scheme == "https" else 80)
        except (httpx.InvalidURL, ValueError):
            return _no(Result.PERMANENT, name, "webhook url is not a valid URL")
        if parsed.scheme not in ("http", "https") or not host:
            return _no(Result.PERMANENT, name, "webhook url must be http(s) with a host")
        if not _host_name(parsed.raw_host):
            return _no(Result.PERMANENT, name, "webhook url is not a valid URL")
        try:
            await self.vetted(host, port)
        except TargetRefusedError as exc:
            return _no(Result.PERMANENT, name, str(exc))
        except (OSError, UnicodeError):
            return _no(Result.RETRYABLE, name, "webhook host does not resolve")
        return None


def _host_name(raw: bytes) -> bool:
    """An IP literal, or a name of letters, digits, `-`, `_` and dots (IDNs arrive as
    xn-- labels): nothing percent-encoded or otherwise odd goes to the resolver."""
    try:
        ipaddress.ip_address(raw.decode("ascii").split("%", 1)[0])
    except ValueError:
        return bool(raw) and set(raw) <= _NAME_BYTES
    return True


def _no(result: Result, name: str, detail: str) -> Attempt:
    return Attempt(result, name, detail, blame=Blame.SEND)


async def refuse(name: str, url: str, allow_private: bool) -> Attempt | None:
    """`Targets(allow_all=allow_private).refuse`, for callers with a yes/no policy."""
    return await Targets(allow_all=allow_private).refuse(name, url)
