"""Recipient-supplied URLs may not reach our own network (SSRF), in any spelling."""

import ipaddress

import pytest

from herald.dispatcher.providers.base import Blame, Result
from herald.dispatcher.providers.targets import Targets, refuse


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8001/v1/requests",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.100.100.200/latest/meta-data/",  # Alibaba Cloud metadata (CGNAT range)
        "http://[::1]/x",
        "http://localhost:5432/",
        "http://192.168.0.10/",
        "http://0.0.0.0:8004/",
        "http://[::ffff:127.0.0.1]/",  # IPv4-mapped
        "http://[::ffff:169.254.169.254]/",
        "http://[::127.0.0.1]/",  # IPv4-compatible
        "http://[2002:7f00:1::1]/",  # 6to4 of 127.0.0.1
        "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 of 169.254.169.254
        "http://[64:ff9b:1::1]/",  # local-use NAT64
        "http://[fe80::1]/",
        "http://[fd00:ec2::254]/",  # AWS metadata over IPv6
        "http://224.0.0.1/",
        "http://[ff02::1]/",
        "http://198.18.0.1/",
    ],
)
async def test_private_and_local_targets_are_refused_permanently(url: str) -> None:
    refused = await refuse("webhook", url, allow_private=False)
    assert refused is not None
    assert (refused.result, refused.blame) == (Result.PERMANENT, Blame.SEND)


@pytest.mark.parametrize("url", ["ftp://example.com/x", "file:///etc/passwd", "https:///nohost"])
async def test_only_http_urls_with_a_host_are_called(url: str) -> None:
    refused = await refuse("webhook", url, allow_private=True)
    assert refused is not None
    assert "http(s)" in refused.detail


@pytest.mark.parametrize("url", ["http://[::1", "http://exa mple.com/", "http://a\nb.com/"])
async def test_a_url_that_does_not_parse_is_this_sends_permanent_failure(url: str) -> None:
    refused = await refuse("webhook", url, allow_private=False)
    assert refused is not None
    assert (refused.result, refused.blame) == (Result.PERMANENT, Blame.SEND)


async def test_public_addresses_pass_and_private_ones_pass_when_allowed() -> None:
    assert await refuse("webhook", "https://93.184.216.34/hook", allow_private=False) is None
    assert await refuse("webhook", "https://[2002:5db8:d822::1]/", allow_private=False) is None
    assert await refuse("webhook", "http://127.0.0.1:9/hook", allow_private=True) is None


def test_an_allow_listed_private_range_opens_that_range_only() -> None:
    targets = Targets(allowed=(ipaddress.ip_network("10.20.0.0/16"),))
    assert targets.permits("10.20.3.4")
    assert targets.permits("::ffff:10.20.3.4")
    assert not targets.permits("10.21.0.1")
    assert not targets.permits("127.0.0.1")
    assert not targets.permits("169.254.169.254")


async def test_a_name_that_resolves_to_any_private_address_is_refused() -> None:
    async def mixed(_host: str, _port: int) -> list[str]:
        return ["93.184.216.34", "10.0.0.7"]

    refused = await Targets(resolver=mixed).refuse("webhook", "https://hooks.example.com/x")
    assert refused is not None
    assert refused.result is Result.PERMANENT


async def test_a_name_that_does_not_resolve_is_retryable_and_the_sends_own() -> None:
    async def nothing(_host: str, _port: int) -> list[str]:
        raise OSError("no such host")

    refused = await Targets(resolver=nothing).refuse("webhook", "https://gone.example/x")
    assert refused is not None
    assert (refused.result, refused.blame) == (Result.RETRYABLE, Blame.SEND)
