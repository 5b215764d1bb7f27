"""The last check at send time, through the dispatcher's consumer on the real broker and
Postgres: a send whose final text breaks review's link policy (read from the policy file
review reads) ends `failed` with its reason, and the provider hears nothing of it."""

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from herald.dispatcher.main import create_app
from tests.integration.dispatcher.harness import Live, prepared, send
from tests.integration.dispatcher.stub import Stub
from tests.support.service import running
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


@dataclass
class Running(Live):
    gateway: Stub
    policy: Path

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
                review_policy_check_s=0.1,
            ) as setup,
            running(create_app(setup.settings)) as http,
        ):
            yield Running(http, kafka, setup.prefix, setup.watchers[0], gateway, policy)
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


async def test_a_changed_policy_file_applies_to_the_next_send_without_a_restart(
    dispatcher: Running,
) -> None:
    d = dispatcher
    before = await d.send("fc-reload-1", labels={"where": "https://promo.later.example/a"})
    assert before["outcome"] == "sent"
    kept = d.policy.read_text()
    d.policy.write_text("[links]\ndeny_domains = ['evil.example', 'later.example']\n")
    try:
        n = 0

        async def refused() -> dict[str, Any] | None:
            nonlocal n
            n += 1  # a new send each time: the policy is read again within a moment
            got = await d.send(
                f"fc-reload-{n + 1}", labels={"where": "https://promo.later.example/a"}
            )
            return got if got["outcome"] == "failed" else None

        after = await eventually(refused, timeout=20, what="the changed policy in force")
        assert after["reason"] == "unsafe_link" and "deny-list" in after["detail"]

        d.policy.write_text("[links\nthis is not TOML")  # a broken edit keeps what holds
        await asyncio.sleep(0.5)
        still = await d.send("fc-reload-broken", labels={"where": "https://promo.later.example/b"})
        assert (still["outcome"], still["reason"]) == ("failed", "unsafe_link")
    finally:
        d.policy.write_text(kept)
