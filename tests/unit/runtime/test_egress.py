"""The runtime's egress policy and capped reading, which the dispatcher's webhooks and
intake's status callbacks share."""

import gzip

import httpx
import pytest

from herald.runtime.egress.addresses import NOT_PUBLIC, Targets
from herald.runtime.egress.capped import (
    TooLargeError,
    UnsupportedEncodingError,
    read_capped,
)


@pytest.mark.parametrize(
    "url",
    ["https://127.0.0.1/x", "https://[::ffff:10.0.0.1]/", "https://169.254.169.254/latest"],
)
async def test_a_url_aimed_at_our_own_network_is_refused_for_good(url: str) -> None:
    refusal = await Targets().check(url)
    assert refusal is not None
    assert (refusal.detail, refusal.retryable) == (NOT_PUBLIC, False)


async def test_a_host_that_does_not_resolve_may_resolve_later() -> None:
    async def nothing(_host: str, _port: int) -> list[str]:
        raise OSError("no such host")

    refusal = await Targets(resolver=nothing).check("https://gone.example/x")
    assert refusal is not None and refusal.retryable


async def test_a_public_url_may_be_called() -> None:
    async def public(_host: str, _port: int) -> list[str]:
        return ["93.184.216.34"]

    assert await Targets(resolver=public).check("https://hooks.example.com/h") is None


def answering(body: bytes, encoding: str | None = None) -> httpx.AsyncClient:
    headers = {"content-encoding": encoding} if encoding else {}
    transport = httpx.MockTransport(
        lambda _r: httpx.Response(200, headers=headers, stream=httpx.ByteStream(body))
    )
    return httpx.AsyncClient(transport=transport)


async def read(client: httpx.AsyncClient, cap: int) -> bytes:
    async with client, client.stream("GET", "https://peer.example/") as response:
        return await read_capped(response, cap)


async def test_an_answer_within_the_cap_is_read_and_inflated() -> None:
    assert await read(answering(b"ok"), 10) == b"ok"
    assert await read(answering(gzip.compress(b"ok" * 100), "gzip"), 1000) == b"ok" * 100


async def test_an_answer_past_the_cap_raw_or_inflated_is_refused() -> None:
    with pytest.raises(TooLargeError):
        await read(answering(b"x" * 101), 100)
    with pytest.raises(TooLargeError):
        await read(answering(gzip.compress(bytes(100_000)), "gzip"), 1000)


async def test_an_encoding_we_do_not_read_is_not_read() -> None:
    with pytest.raises(UnsupportedEncodingError, match="br"):
        await read(answering(b"\x00", "br"), 100)
