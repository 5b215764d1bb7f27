"""Every body review takes is capped before a route reads it (issue 16): the console's
login and forms, the dry run and decisions, declared or streamed without a length."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from tests.unit.review.test_console_routes import client, keys

OVER = 256 * 1024 + 1  # HTTP_MAX_BODY_BYTES's default, plus one
FORM = {"content-type": "application/x-www-form-urlencoded"}


@pytest.mark.parametrize(
    "path", ["/console/login", "/console/logout", "/v1/dry-run", "/v1/reviews/r-1/decision"]
)
async def test_an_oversized_body_is_413_on_every_route(path: str, tmp_path: Path) -> None:
    async def streamed() -> AsyncIterator[bytes]:  # no content-length: cut as it streams
        for _ in range(OVER // 65536 + 1):
            yield b"k" * 65536

    secret = "console-test-secret-0123456789abcdef"
    async with client(console_session_secret=secret, api_keys_file=keys(tmp_path)) as http:
        declared = await http.post(path, content=b"k=" + b"x" * OVER, headers=FORM)
        assert declared.status_code == 413
        assert declared.json()["code"] == "invalid_request"
        cut = await http.post(path, content=streamed(), headers=FORM)
        if path.startswith("/v1/"):
            assert cut.status_code == 413  # not the 400 of a body the route could not parse
        else:  # the console's forms stop reading at their own, smaller cap
            assert cut.status_code in (303, 400, 413)
        small = await http.post(path, content=b"k=v")
        assert small.status_code != 413
