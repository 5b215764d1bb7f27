"""An HTTP client for URLs someone else chose that connects only to addresses it vetted.

Checking a URL's host and then letting httpx resolve it again leaves a window: a name
can answer a public address to the check and 127.0.0.1 to the connection (DNS
rebinding). Here the check and the connection are one step: the httpcore network
backend resolves the host itself, refuses unless every address passes the policy
(`addresses.Targets`), and opens the TCP connection to a vetted address. TLS still uses
the URL's host name for SNI and certificate checks (httpcore passes it to `start_tls`),
so a pinned connection is as authenticated as an ordinary one. Proxies from the
environment are ignored (they would resolve the name themselves) and redirects are not
followed (a receiver could redirect anywhere).
"""

import ssl
import typing

import httpcore
import httpx

from herald.runtime.egress.addresses import TargetRefusedError, Targets

SocketOption = typing.Any


class VettedBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, targets: Targets, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self._targets = targets
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        last: Exception | None = None
        for address in await self._targets.vetted(host, port):
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc  # the next vetted address, as getaddrinfo's callers do
        raise last or httpcore.ConnectError("no address")

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise TargetRefusedError("a unix socket is never a target")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class PinnedTransport(httpx.AsyncHTTPTransport):
    def __init__(
        self,
        targets: Targets,
        limits: httpx.Limits | None = None,
        http2: bool = False,
        verify: ssl.SSLContext | str | bool = True,
    ) -> None:
        limits = limits or httpx.Limits()
        # one SSL context for both pools (building one reads the CA bundle: ~0.3 s on a
        # busy machine); a context given is used as is
        context = httpx.create_ssl_context(verify, trust_env=False)
        super().__init__(verify=context, trust_env=False, limits=limits, http2=http2)
        # httpx offers no hook for the network backend: the same pool, with ours
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True,
            http2=http2,
            network_backend=VettedBackend(targets),
        )


def pinned_client(
    targets: Targets,
    timeout: httpx.Timeout | float = 10.0,
    limits: httpx.Limits | None = None,
    verify: ssl.SSLContext | str | bool = True,
) -> httpx.AsyncClient:
    """A client for tenant-controlled URLs: vetted addresses only, no proxy, no redirects."""
    return httpx.AsyncClient(
        transport=PinnedTransport(targets, limits, verify=verify),
        timeout=timeout,
        trust_env=False,
        follow_redirects=False,
    )
