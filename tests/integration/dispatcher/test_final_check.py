"""The last check at send time, through the dispatcher's consumer on the real broker and
Postgres: a send whose final text breaks review's link policy (read from the policy file
review reads) ends `failed` with its reason, and the provider hears nothing of it."""

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from herald.devstack.postgres import create_database
from herald.dispatcher.main import create_app
from herald.dispatcher.settings import DispatcherSettings
from tests.integration.dispatcher.stub import Stub
from tests.support.kafka import TopicWatcher, jbytes, produce
from tests.support.keys import write_keys
from tests.support.service import create_topics, new_prefix, running, service_env
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


@dataclass
class Running:
    kafka: str
    prefix: str
    gateway: Stub
    outcomes: TopicWatcher

    async def send(self, did: str, **over: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "delivery_id": did, "request_id": f"r-{did}", "tenant": "acme",
            "department": "mkt", "recipient_id": f"u-{did}", "category": "notification",
            "priority": "normal", "channels": ["sms"], "contacts": {"phone": "+8613800000000"},
            "content": {"title": "Sale", "body": "Half price: {{ labels.where }}"},
            "due_at": datetime.now(UTC).isoformat(),
            **over,
        }  # fmt: skip
        await produce(self.kafka, self.prefix + "push.sends.v1", [(did, jbytes(body))])
        found = await eventually(
            lambda: self.outcomes.for_delivery(did), timeout=30, what=f"outcome of {did}"
        )
        return found[0]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
async def dispatcher(
    kafka: str, pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Running]:
    prefix, folder = new_prefix(), tmp_path_factory.mktemp("final-check")
    await create_topics(kafka, prefix)
    database_url = await create_database(pg_admin_url, f"t_{uuid.uuid4().hex[:12]}")
    policy = folder / "review-policy.toml"
    policy.write_text("[links]\ndeny_domains = ['evil.example']\n[sms]\nmax_segments = 3\n")
    write_keys(folder / "keys.json")
    gateway = await Stub().start()
    providers = {
        "providers": {
            "gw": {"kind": "sms", "url": gateway.url("/send"), "shape": "custom",
                   "fields": {"to": "{phone}", "text": "{body}"}},
        },
        "channels": {"sms": ["gw"]},
    }  # fmt: skip
    settings = DispatcherSettings(
        **service_env(
            kafka,
            database_url,
            prefix,
            api_keys_file=str(folder / "keys.json"),
            signing_secret="sign-me-sign-me-sign-me-sign-me-sign-me",
            tracking_keys="k1:tracking-secret-tracking-secret-0123",
            tracker_public_url="https://t.example",
            providers_json=json.dumps(providers),
            review_policy_file=str(policy),
        )
    )
    outcomes = await TopicWatcher(kafka, prefix + "push.outcomes.v1").start()
    try:
        async with running(create_app(settings)):
            yield Running(kafka, prefix, gateway, outcomes)
    finally:
        await outcomes.stop()
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
