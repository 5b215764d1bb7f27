"""The last check at send time, through the dispatcher's consumer on the real broker and
Postgres: a send whose final text breaks review's link policy (read from the policy file
review reads) ends `failed` with its reason, and the provider hears nothing of it."""

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from herald.dispatcher.main import create_app
from tests.integration.dispatcher.harness import Live, prepared, send
from tests.integration.dispatcher.stub import Stub
from tests.support.service import running

pytestmark = pytest.mark.integration


@dataclass
class Running(Live):
    gateway: Stub

    async def send(self, did: str, **over: Any) -> dict[str, Any]:
        """The outcome of one SMS whose body uses the label `where`."""
        body = {"content": {"title": "Sale", "body": "Half price: {{ labels.where }}"}, **over}
        await self.sends(send(did, ["sms"], **body))
        return await self.outcome(did)


@pytest.fixture(scope="module")
async def dispatcher(
    kafka: str, pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Running]:
    folder = tmp_path_factory.mktemp("final-check")
    policy = folder / "review-policy.toml"
    policy.write_text("[links]\ndeny_domains = ['evil.example']\n[sms]\nmax_segments = 3\n")
    gateway = await Stub().start()
    providers = {
        "providers": {
            "gw": {"kind": "sms", "url": gateway.url("/send"), "shape": "custom",
                   "fields": {"to": "{phone}", "text": "{body}"}},
        },
        "channels": {"sms": ["gw"]},
    }  # fmt: skip
    try:
        async with (
            prepared(
                kafka,
                pg_admin_url,
                folder,
                providers,
                signing_secret="sign-me-sign-me-sign-me-sign-me-sign-me",
                tracker_public_url="https://t.example",
                review_policy_file=str(policy),
            ) as setup,
            running(create_app(setup.settings)) as http,
        ):
            yield Running(http, kafka, setup.prefix, setup.watchers[0], gateway)
    finally:
        await gateway.stop()


async def test_a_send_whose_final_text_breaks_link_policy_fails_and_is_never_sent(
    dispatcher: Running,
) -> None:
    d = dispatcher
    bad = await d.send("fc-bad", labels={"where": "https://login.evil.example/acme"})
    assert (bad["outcome"], bad["reason"]) == ("failed", "unsafe_link")
    assert "deny-list" in bad["detail"]  # the policy file's deny list, as review reads it
    ok = await d.send("fc-ok", labels={"where": "https://shop.example.com/w"})
    assert ok["outcome"] == "sent"
    [seen] = d.gateway.seen  # the good send reached the provider; the bad one never did
    assert json.loads(seen.body)["text"].startswith("Half price: https://t.example/r/")
