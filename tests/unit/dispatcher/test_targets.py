"""Webhook targets: recipient-supplied URLs may not reach private addresses (SSRF)."""

import pytest

from herald.dispatcher.providers.base import Result
from herald.dispatcher.providers.targets import refuse


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8001/v1/requests",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/x",
        "http://localhost:5432/",
        "http://192.168.0.10/",
    ],
)
async def test_private_and_local_targets_are_refused_permanently(url: str) -> None:
    refused = await refuse("webhook", url, allow_private=False)
    assert refused is not None
    assert refused.result is Result.PERMANENT


@pytest.mark.parametrize("url", ["ftp://example.com/x", "file:///etc/passwd", "https:///nohost"])
async def test_only_http_urls_with_a_host_are_called(url: str) -> None:
    refused = await refuse("webhook", url, allow_private=True)
    assert refused is not None
    assert "http(s)" in refused.detail


async def test_public_addresses_pass_and_private_ones_pass_when_allowed() -> None:
    assert await refuse("webhook", "https://93.184.216.34/hook", allow_private=False) is None
    assert await refuse("webhook", "http://127.0.0.1:9/hook", allow_private=True) is None
