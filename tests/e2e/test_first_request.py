"""A newcomer's first request, as the README tells it: the devstack's demo directory,
then docs/examples/push-request.json submitted over HTTP, ends `completed` with every
recipient sent to, one of them in the in-app inbox, where reading it counts as read."""

import json
from pathlib import Path
from typing import Any

import pytest

from herald.devstack.seed import DEMO_RECIPIENTS, seed_demo_directory
from herald.devstack.stack import Stack
from tests.support.stack import client
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "push-request.json"


async def test_the_readme_request_to_the_demo_directory_is_delivered_and_read(
    stack: Stack,
) -> None:
    assert stack.producer is not None
    assert await seed_demo_directory(
        stack.bootstrap, stack.database_url, stack.producer, stack.topic_prefix
    )
    example = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    rid = example["request_id"]
    assert sorted(example["audience"]["recipients"]) == [r.recipient_id for r in DEMO_RECIPIENTS]

    async with client(stack, "intake") as intake, client(stack, "intake", "viewer") as viewer:
        submitted = await intake.post("/v1/requests", content=EXAMPLE.read_bytes())
        assert submitted.status_code == 202, submitted.text

        async def final() -> dict[str, Any] | None:
            status: dict[str, Any] = (await viewer.get(f"/v1/requests/{rid}")).json()
            return status if status["status"] == "completed" else None

        done = await eventually(final, timeout=60, what="the example request completed")
    assert done["counts"]["recipients"] == 3
    assert (done["counts"]["sent"], done["counts"]["suppressed"]) == (3, 0)

    async with client(stack, "tracker", "viewer") as tracker:
        report = (await tracker.get(f"/v1/requests/{rid}/report")).json()
        assert {ch: figures["sent"] for ch, figures in report["channels"].items()} == {
            "app_push": 1,
            "sms": 1,
            "in_app": 1,
        }

        async with client(stack, "dispatcher", "reporter") as dispatcher:
            inbox = (await dispatcher.get("/v1/inbox/u-1002")).json()
            # other tests of the shared stack may have written to the same demo inbox
            [message] = [m for m in inbox["messages"] if m["request_id"] == rid]
            assert message["title"] == example["content"]["title"]
            read = await dispatcher.post(f"/v1/inbox/u-1002/{message['delivery_id']}/read")
            assert read.json()["first_time"] is True

        async def counted() -> dict[str, Any] | None:
            now: dict[str, Any] = (await tracker.get(f"/v1/requests/{rid}/report")).json()
            return now if now["read"] == 1 else None

        after = await eventually(counted, timeout=30, what="the inbox read in the report")
    assert (after["delivered"], after["read_rate"]) == (1, 1.0)
