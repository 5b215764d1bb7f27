"""Peers that misbehave (issue 16), over real sockets: compression bombs and oversized
answers, DNS rebinding towards loopback, receivers that keep failing, robot signatures
sent to hosts that are not the robot's."""

import asyncio
import datetime
import ipaddress
import json
import ssl
import tracemalloc
import urllib.parse
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import cache
from pathlib import Path

import httpx
import pytest
import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

from herald.contracts import Channel
from herald.devstack.ports import free_port, wait_for_port
from herald.dispatcher.providers.apns import ApnsConfig, ApnsProvider
from herald.dispatcher.providers.base import Attempt, Blame, Result
from herald.dispatcher.providers.chat import DingTalk, Feishu, WeCom
from herald.dispatcher.providers.egress import pinned_client
from herald.dispatcher.providers.fcm import FcmConfig, FcmProvider
from herald.dispatcher.providers.hosts import HostCircuits
from herald.dispatcher.providers.jpush import JPushConfig, JPushProvider
from herald.dispatcher.providers.sms import SmsConfig, SmsProvider
from herald.dispatcher.providers.targets import Targets
from herald.dispatcher.providers.webhook import WebhookProvider
from herald.dispatcher.routing.builders import Parts, build_provider
from herald.dispatcher.routing.config import WebhookSpec
from tests.integration.dispatcher.stub import Seen, Stub, reply, stub
from tests.integration.dispatcher.test_http_providers import msg, pem
from tests.unit.dispatcher.fakes import FakeInbox

INFLATED = 200 * 1024 * 1024


@cache
def bomb() -> bytes:
    """A gzip body of about 200 KB that inflates to 200 MB of zeros."""
    packer, zeros = zlib.compressobj(9, zlib.DEFLATED, 31), bytes(1024 * 1024)
    return b"".join(packer.compress(zeros) for _ in range(INFLATED // len(zeros))) + packer.flush()


def bombing(seen: Seen) -> Response:
    if seen.path.endswith("/token"):
        return reply(200, {"access_token": "ya29.x", "expires_in": 3600})
    headers = {"content-encoding": "gzip", "content-type": "application/json"}
    return Response(bomb(), 200, headers=headers)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as c:
        yield c


async def peak_while(call: Awaitable[Attempt]) -> tuple[Attempt, int]:
    tracemalloc.start()
    try:
        attempt = await call
        return attempt, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def fcm(client: httpx.AsyncClient, server: Stub) -> FcmProvider:
    key = pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    return FcmProvider(client, FcmConfig("p", "sa@p", key, server.url("/token"), server.url()))


def sms(client: httpx.AsyncClient, server: Stub) -> SmsProvider:
    return SmsProvider(client, SmsConfig(url=server.url("/m"), account="a", token="t"), str)


def webhook(client: httpx.AsyncClient, _server: Stub) -> WebhookProvider:
    return WebhookProvider(client, b"s", allow_private=True)


def contacts(peer: Stub) -> dict[str, object]:
    tokens = [{"platform": "fcm", "token": "t1"}]
    return {"webhook": peer.url("/h"), "phone": "+8613800000000", "push_tokens": tokens}


JUDGED_BY_STATUS: list[tuple[Callable[[httpx.AsyncClient, Stub], object], Channel, Result]] = [
    (webhook, Channel.WEBHOOK, Result.DELIVERED),
    (sms, Channel.SMS, Result.SENT),
    (fcm, Channel.APP_PUSH, Result.SENT),
]


@pytest.mark.parametrize(("build", "channel", "result"), JUDGED_BY_STATUS)
async def test_a_compression_bomb_costs_kilobytes_and_a_2xx_still_counts(
    client: httpx.AsyncClient,
    build: Callable[[httpx.AsyncClient, Stub], object],
    channel: Channel,
    result: Result,
) -> None:
    async with stub(bombing) as peer:
        provider = build(client, peer)
        message = msg(channel, contacts=contacts(peer))
        attempt, peak = await peak_while(provider.send(message))  # type: ignore[attr-defined]
    assert attempt.result is result
    assert peak < 16 * 1024 * 1024  # read whole, the answer would have taken 200 MB
    assert all(s.headers.get("accept-encoding") == "identity" for s in peer.seen)


async def test_apns_reads_a_bombed_answer_with_the_cap_too() -> None:
    key = pem(ec.generate_private_key(ec.SECP256R1()))
    async with stub(bombing, http2=True) as apple, httpx.AsyncClient(http2=True) as h2:
        apns = ApnsProvider(h2, ApnsConfig("TEAM1", "KEY1", key, "com.acme", apple.url()))
        message = msg(
            Channel.APP_PUSH, contacts={"push_tokens": [{"platform": "ios", "token": "ab12"}]}
        )
        attempt, peak = await peak_while(apns.send(message))
    assert attempt.result is Result.SENT
    assert peak < 16 * 1024 * 1024
    assert apple.seen[0].headers["accept-encoding"] == "identity"


async def test_an_answer_whose_body_decides_is_refused_past_the_cap(
    client: httpx.AsyncClient,
) -> None:
    async with stub(bombing) as peer:
        jpush = JPushProvider(client, JPushConfig("k", "s", peer.url()))
        message = msg(
            Channel.APP_PUSH, contacts={"push_tokens": [{"platform": "jpush", "token": "r"}]}
        )
        vendor, peak = await peak_while(jpush.send(message))
        robot = await WebhookProvider(client, b"s", allow_private=True, pinned=WeCom()).send(
            msg(Channel.WEBHOOK, contacts={"webhook": peer.url("/cgi-bin/webhook/send?key=k")})
        )
    assert (vendor.result, robot.result) == (Result.RETRYABLE, Result.RETRYABLE)
    assert "answer over" in vendor.detail
    assert "answer over" in robot.detail
    assert robot.blame is Blame.SEND  # the tenant's robot URL, not the provider
    assert peak < 16 * 1024 * 1024


async def test_an_encoding_we_do_not_read_is_not_read(client: httpx.AsyncClient) -> None:
    brotli = lambda _s: Response(b"\x1b\xff" * 1000, 200, headers={"content-encoding": "br"})  # noqa: E731
    async with stub(brotli) as peer:
        jpush = JPushProvider(client, JPushConfig("k", "s", peer.url()))
        message = msg(
            Channel.APP_PUSH, contacts={"push_tokens": [{"platform": "jpush", "token": "r"}]}
        )
        attempt = await jpush.send(message)
    assert attempt.result is Result.RETRYABLE
    assert "unsupported encoding br" in attempt.detail


# --- DNS rebinding and loopback ----------------------------------------------------------


def rebinding(*answers: str) -> Callable[[str, int], Awaitable[list[str]]]:
    """A resolver whose answers change between calls (the last one repeats)."""
    queue = list(answers)

    async def resolve(_host: str, _port: int) -> list[str]:
        return [queue.pop(0) if len(queue) > 1 else queue[0]]

    return resolve


async def test_a_name_that_rebinds_to_loopback_after_the_check_never_reaches_it() -> None:
    async with stub() as loopback:
        targets = Targets(resolver=rebinding("93.184.216.34", "127.0.0.1"))
        async with pinned_client(targets, 5.0) as client:
            provider = WebhookProvider(client, b"s", targets=targets)
            url = f"http://hooks.rebind.test:{loopback.port}/h"
            attempt = await provider.send(msg(Channel.WEBHOOK, contacts={"webhook": url}))
    assert attempt.result is Result.PERMANENT
    assert "not a public address" in attempt.detail
    assert loopback.seen == []


async def test_the_client_connects_to_the_address_it_vetted_not_to_a_fresh_lookup() -> None:
    """`hooks.pinned.test` exists in no DNS: reaching the receiver at all shows the
    connection went to the vetted address (an allow-listed one here)."""
    async with stub() as receiver:
        targets = Targets(
            allowed=(ipaddress.ip_network("127.0.0.0/8"),), resolver=rebinding("127.0.0.1")
        )
        async with pinned_client(targets, 5.0) as client:
            provider = WebhookProvider(client, b"s", targets=targets)
            url = f"http://hooks.pinned.test:{receiver.port}/h"
            attempt = await provider.send(msg(Channel.WEBHOOK, contacts={"webhook": url}))
    assert attempt.result is Result.DELIVERED
    assert receiver.seen[0].headers["host"] == f"hooks.pinned.test:{receiver.port}"


async def test_the_built_webhook_provider_is_pinned() -> None:
    async with stub() as loopback:
        parts = Parts(
            httpx.AsyncClient(),
            b"s",
            str,
            FakeInbox(),
            resolver=rebinding("93.184.216.34", "127.0.0.1"),
        )
        provider = build_provider(WebhookSpec(kind="webhook"), "webhook", parts)
        url = f"http://hooks.rebind.test:{loopback.port}/h"
        attempt = await provider.send(msg(Channel.WEBHOOK, contacts={"webhook": url}))
        for close in parts.closers:
            await close()
        await parts.client.aclose()
    assert attempt.result is Result.PERMANENT
    assert loopback.seen == []


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "[::ffff:127.0.0.1]", "[::1]", "0.0.0.0", "[2002:7f00:1::1]"]
)
async def test_loopback_in_any_spelling_on_any_port_is_refused(host: str) -> None:
    async with stub() as loopback:
        provider = WebhookProvider(httpx.AsyncClient(), b"s")
        url = f"http://{host}:{loopback.port}/h"
        attempt = await provider.send(msg(Channel.WEBHOOK, contacts={"webhook": url}))
    assert attempt.result is Result.PERMANENT
    assert attempt.blame is Blame.SEND
    assert loopback.seen == []


# --- receivers that keep failing -----------------------------------------------------------


async def test_a_failing_receiver_is_skipped_for_a_while_and_blamed_on_the_send(
    client: httpx.AsyncClient,
) -> None:
    async with stub(lambda _s: reply(503)) as dead:
        circuits = HostCircuits(threshold=3, reset_s=60)
        provider = WebhookProvider(client, b"s", allow_private=True, hosts=circuits)
        message = msg(Channel.WEBHOOK, contacts={"webhook": dead.url("/h")})
        answers = [await provider.send(message) for _ in range(5)]
    assert len(dead.seen) == 3
    assert {a.result for a in answers} == {Result.RETRYABLE}
    assert {a.blame for a in answers} == {Blame.SEND}
    assert answers[-1].retry_after is not None
    assert 0 < answers[-1].retry_after <= 60


# --- robot signatures ----------------------------------------------------------------------


async def test_a_pinned_robot_signs_only_for_the_robots_own_origin(
    client: httpx.AsyncClient,
) -> None:
    async with stub(lambda _s: reply(200, {"errcode": 0, "code": 0})) as elsewhere:
        ding = WebhookProvider(client, b"s", allow_private=True, pinned=DingTalk("SECding"))
        lark = WebhookProvider(client, b"s", allow_private=True, pinned=Feishu("lark-secret"))
        target = msg(Channel.WEBHOOK, contacts={"webhook": elsewhere.url("/robot/send?x=1")})
        await ding.send(target)
        await lark.send(target)
    ding_seen, lark_seen = elsewhere.seen
    query = urllib.parse.parse_qs(ding_seen.query)
    assert "sign" not in query
    assert "timestamp" not in query
    assert "sign" not in json.loads(lark_seen.body)


# --- requests built from tenant data -------------------------------------------------------


@pytest.mark.parametrize("token", ["../../../3/device/other", "ab?cd=1", "ab\r\ncd", "a b"])
async def test_a_device_token_that_is_not_a_token_never_reaches_the_url_path(token: str) -> None:
    key = pem(ec.generate_private_key(ec.SECP256R1()))
    async with stub(http2=True) as apple, httpx.AsyncClient(http2=True) as h2:
        apns = ApnsProvider(h2, ApnsConfig("TEAM1", "KEY1", key, "com.acme", apple.url()))
        push = {"push_tokens": [{"platform": "ios", "token": token}]}
        attempt = await apns.send(msg(Channel.APP_PUSH, contacts=push))
    assert (attempt.result, attempt.blame) == (Result.PERMANENT, Blame.SEND)
    assert attempt.dead_contacts == (token,)
    assert apple.seen == []


async def test_a_request_that_cannot_be_sent_as_built_is_the_sends_own_failure(
    client: httpx.AsyncClient,
) -> None:
    from herald.dispatcher.providers.http import exchange

    async with stub() as peer:
        got = await exchange(client, "p", "POST", peer.url("/x"), headers={"x-id": "a\r\nb: c"})
    assert isinstance(got, Attempt)
    assert (got.result, got.blame) == (Result.PERMANENT, Blame.SEND)
    assert peer.seen == []


# --- TLS on a pinned connection ------------------------------------------------------------


def _certificate(folder: Path, name: str) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / f"{name}.pem", folder / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.mark.parametrize(
    ("served", "detail"), [("hooks.pinned.test", "HTTP 200"), ("someone.else.test", "ConnectError")]
)
async def test_a_pinned_tls_connection_still_checks_the_urls_host_name(
    tmp_path: Path, served: str, detail: str
) -> None:
    cert, key = _certificate(tmp_path, served)
    port = free_port()
    config = uvicorn.Config(
        Starlette(routes=[Route("/h", lambda _r: reply(), methods=["POST"])]),
        host="127.0.0.1", port=port, ssl_certfile=str(cert), ssl_keyfile=str(key),
        log_level="warning", lifespan="off",
    )  # fmt: skip
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        await wait_for_port("127.0.0.1", port)
        targets = Targets(
            allowed=(ipaddress.ip_network("127.0.0.0/8"),), resolver=rebinding("127.0.0.1")
        )
        context = ssl.create_default_context(cafile=str(cert))
        async with pinned_client(targets, 5.0, verify=context) as client:
            provider = WebhookProvider(client, b"s", targets=targets)
            url = f"https://hooks.pinned.test:{port}/h"
            attempt = await provider.send(msg(Channel.WEBHOOK, contacts={"webhook": url}))
    finally:
        server.should_exit = True
        await task
    assert detail in attempt.detail  # the certificate must name the URL's host
