"""The dry run's HTTP adviser against peers that misbehave, over real sockets (issue 16):
an answer past the cap, a compression bomb, a peer that never finishes. Each is the
adviser being unavailable, at a cost of the cap at most."""

import asyncio
import tracemalloc
import zlib
from functools import cache

import pytest
from starlette.responses import Response, StreamingResponse

from herald.contracts import PushRequest
from herald.intake.adapters.advisers import ANSWER_CAP, HttpAdviser
from herald.intake.ports import AdviserRefused, AdviserUnavailable
from tests.integration.dispatcher.stub import Seen, reply, stub
from tests.integration.intake.builders import request_body


@cache
def bomb() -> bytes:
    """About 100 KB of gzip that inflates to 100 MB."""
    packer, zeros = zlib.compressobj(9, zlib.DEFLATED, 31), bytes(1024 * 1024)
    return b"".join(packer.compress(zeros) for _ in range(100)) + packer.flush()


async def advise(url: str, timeout_s: float = 5.0) -> dict[str, object]:
    request = PushRequest.model_validate(request_body("r-advice"))
    return await HttpAdviser("review", url, timeout_s).advise(request, "Bearer k", "t")


async def test_a_good_answer_is_read_and_identity_encoding_is_asked_for() -> None:
    async with stub(lambda _s: reply(200, {"decision": "approved"})) as peer:
        assert await advise(peer.url()) == {"decision": "approved"}
    assert peer.seen[0].headers["accept-encoding"] == "identity"


async def test_an_answer_past_the_cap_is_unavailable_not_buffered() -> None:
    huge = b'{"decision": "' + b"x" * (8 * ANSWER_CAP) + b'"}'
    async with stub(lambda _s: Response(huge, 200, media_type="application/json")) as peer:
        with pytest.raises(AdviserUnavailable, match="over"):
            await advise(peer.url())


@pytest.mark.parametrize("status", [200, 403])
async def test_a_compression_bomb_costs_the_cap_at_most(status: int) -> None:
    def bombing(_s: Seen) -> Response:
        headers = {"content-encoding": "gzip", "content-type": "application/json"}
        return Response(bomb(), status, headers=headers)

    async with stub(bombing) as peer:
        tracemalloc.start()
        try:
            with pytest.raises((AdviserUnavailable, AdviserRefused)):
                await advise(peer.url())
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak < 16 * ANSWER_CAP


async def test_a_peer_that_never_finishes_its_answer_is_unavailable_at_the_deadline() -> None:
    async def drip() -> object:
        yield b"{"
        await asyncio.Event().wait()

    async with stub(lambda _s: StreamingResponse(drip(), 200)) as peer:
        with pytest.raises(AdviserUnavailable):
            await advise(peer.url(), timeout_s=0.5)
