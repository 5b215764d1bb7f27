"""Recipient-supplied URLs (webhooks) must not reach into our own network (SSRF).

A webhook URL comes from a recipient's profile, so it is checked before every call: only
http(s), and every address its host resolves to must be public. Deployments whose
receivers live on a private network (and local development) allow private targets
with `WEBHOOK_ALLOW_PRIVATE=true`.
"""

import asyncio
import ipaddress
import socket
import urllib.parse

from herald.dispatcher.providers.base import Attempt, Result


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return ip.is_global and not ip.is_multicast


async def refuse(name: str, url: str, allow_private: bool) -> Attempt | None:
    """None if the URL may be called, else the (permanent or retryable) Attempt why not."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return Attempt(Result.PERMANENT, name, "webhook url must be http(s) with a host")
    if allow_private:
        return None
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            parts.hostname, parts.port or (443 if parts.scheme == "https" else 80),
            type=socket.SOCK_STREAM,
        )  # fmt: skip
    except OSError:
        return Attempt(Result.RETRYABLE, name, "webhook host does not resolve")
    if not infos or not all(_public(str(info[4][0])) for info in infos):
        return Attempt(Result.PERMANENT, name, "webhook target is not a public address")
    return None
