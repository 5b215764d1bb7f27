"""The dispatcher in-process against the real broker and Postgres, providers on local servers."""

import os
import urllib.parse
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from herald.dispatcher.main import create_app
from herald.runtime.links import LinkSigner, parse_keys
from tests.integration.dispatcher.harness import FAST_RETRIES, TRACKING_KEYS, Live, prepared, send
from tests.integration.dispatcher.smtp_server import SmtpServer
from tests.integration.dispatcher.stub import Seen, Stub, reply
from tests.support.kafka import TopicWatcher, jbytes, produce
from tests.support.keys import bearer
from tests.support.service import running
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


@dataclass
class Running(Live):
    gateway: Stub
    hooks: Stub
    contacts: TopicWatcher
    engagement: TopicWatcher
    keys: dict[tuple[str, str], str]
    smtp: SmtpServer


def gateway_answer(s: Seen):  # type: ignore[no-untyped-def]
    to = urllib.parse.parse_qs(s.body.decode()).get("To", [""])[0]
    if to == "+10000000000":
        return reply(400, {"code": 21211, "message": "Invalid 'To'"})
    if to == "+19999999999" and len([x for x in GATEWAY_SEEN if x == to]) < 2:
        GATEWAY_SEEN.append(to)
        return reply(503, {}, {"retry-after": "0"})
    return reply(201, {"sid": "SM1"})


GATEWAY_SEEN: list[str] = []
APNS_KEY = (
    ec.generate_private_key(ec.SECP256R1())
    .private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    .decode()
)


def apns_answer(s: Seen):  # type: ignore[no-untyped-def]
    if s.path.endswith("/dead-ios"):
        return reply(410, {"reason": "Unregistered"})
    return reply(200)


@pytest.fixture(scope="module")
async def dispatcher(
    kafka: str, pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Running]:
    """One dispatcher for this module's tests (each uses its own delivery ids)."""
    folder = tmp_path_factory.mktemp("dispatcher")
    gateway, hooks = await Stub(gateway_answer).start(), await Stub().start()
    apple = await Stub(apns_answer, http2=True).start()
    smtp = SmtpServer(folder).start()
    (folder / "smtp-password").write_text("s3cret\n")
    (folder / "apns.p8").write_text(APNS_KEY)
    providers = {
        "providers": {
            "gw": {"kind": "sms", "url": gateway.url("/Messages.json"), "account": "AC1",
                   "token": {"env": "TEST_DISPATCHER_SMS_TOKEN"}},
            "mail": {"kind": "smtp", "host": "127.0.0.1", "port": smtp.port, "username": "herald",
                     "password": {"file": str(folder / "smtp-password")},
                     "sender": "news@acme.example", "ca_file": str(smtp.cert)},
            "apple": {"kind": "apns", "team_id": "T1", "key_id": "K1", "topic": "com.acme.app",
                      "private_key": {"file": str(folder / "apns.p8")}, "endpoint": apple.url()},
        },
        "channels": {"sms": ["gw"], "webhook": ["webhook"], "in_app": ["inbox"],
                     "email": ["mail"], "app_push": ["apple"]},
    }  # fmt: skip
    os.environ["TEST_DISPATCHER_SMS_TOKEN"] = "twilio-token"
    try:
        async with (
            prepared(
                kafka,
                pg_admin_url,
                folder,
                providers,
                watch=("push.contacts.v1", "push.engagement.v1"),
                tracker_public_url="https://t.example",
                dispatcher_public_url="https://dispatch.example",
                **FAST_RETRIES,
                max_attempts=3,
                webhook_allow_private=True,
            ) as setup,
            running(create_app(setup.settings)) as http,
        ):
            outcomes, contacts, engagement = setup.watchers
            yield Running(
                http, kafka, setup.prefix, outcomes,
                gateway, hooks, contacts, engagement, setup.keys, smtp,
            )  # fmt: skip
    finally:
        os.environ.pop("TEST_DISPATCHER_SMS_TOKEN", None)
        await gateway.stop()
        await hooks.stop()
        await apple.stop()
        smtp.stop()


async def test_sends_are_delivered_retried_cancelled_and_reported(dispatcher: Running) -> None:
    d = dispatcher
    await d.sends(
        send("ok", ["sms"]),
        send("flaky", ["sms"], contacts={"phone": "+19999999999"}),
        send(
            "deadnum",
            ["sms", "webhook"],
            contacts={"phone": "+10000000000", "webhook": d.hooks.url("/h")},
        ),
    )
    ok = await d.outcome("ok")
    assert (ok["outcome"], ok["provider"]) == ("sent", "gw")
    flaky = await d.outcome("flaky")
    assert flaky["outcome"] == "sent"  # after two 503s, from the retry table
    failover = await d.outcome("deadnum")
    assert (failover["outcome"], failover["channel"]) == ("delivered", "webhook")
    dead = await eventually(lambda: d.contacts.for_key("u-deadnum"), what="ContactInvalidated")
    assert dead[0].json()["channel"] == "sms"
    assert dead[0].json()["contact"] == "+10000000000"

    sms = [s for s in d.gateway.seen if "Messages.json" in s.path]
    body = urllib.parse.parse_qs(sms[0].body.decode())["Body"][0]
    token = body.split("https://t.example/r/")[1]
    link = LinkSigner(parse_keys(TRACKING_KEYS)).verify(token, datetime.now(UTC))
    assert link is not None
    assert link.url == "https://shop.example.com/w"
    metrics = (await d.http.get("/metrics")).text
    assert 'herald_dispatcher_retries_total{provider="gw",why="retryable"} 2.0' in metrics
    assert "herald_dispatcher_outcomes_total" in metrics


async def test_redelivered_send_is_sent_once_and_its_outcome_repeated(dispatcher: Running) -> None:
    d = dispatcher
    await d.sends(send("twice", ["sms"]))
    await d.outcome("twice")
    await d.sends(send("twice", ["sms"]))
    await eventually(lambda: len(d.outcomes.for_delivery("twice")) == 2, what="repeated outcome")
    assert len([s for s in d.gateway.seen if b"d-twice" in s.body or b"twice" in s.body]) == 1


async def test_sms_receipt_publishes_delivered_engagement(dispatcher: Running) -> None:
    d = dispatcher
    await d.sends(send("rcpt", ["sms"]))
    await d.outcome("rcpt")
    callback = urllib.parse.parse_qs(d.gateway.seen[-1].body.decode())["StatusCallback"][0]
    path = callback.removeprefix("https://dispatch.example")
    answer = await d.http.post(path, data={"MessageSid": "SM1", "MessageStatus": "delivered"})
    assert answer.status_code == 200
    event = await eventually(lambda: d.engagement.for_key("rcpt"), what="delivered engagement")
    assert event[0].json()["kind"] == "delivered"
    forged = await d.http.post(path[:-4] + "0000", data={"MessageStatus": "delivered"})
    assert forged.status_code == 404
    non_ascii = await d.http.post(path[:-4] + "äéß€", data={"MessageStatus": "delivered"})
    assert non_ascii.status_code == 404
    huge = await d.http.post(path, content=b"MessageStatus=delivered&x=" + b"x" * 300_000)
    assert huge.status_code == 413  # capped before the route reads it (issue 16)


async def test_in_app_inbox_lists_and_marks_read_emitting_engagement(dispatcher: Running) -> None:
    d = dispatcher
    await d.sends(send("inbox1", ["in_app"], recipient_id="u-app"))
    assert (await d.outcome("inbox1"))["outcome"] == "sent"
    app = bearer(d.keys[("acme", "reporter")])  # the recipient's app's backend
    listed = (await d.http.get("/v1/inbox/u-app?unread=true", headers=app)).json()
    assert [m["delivery_id"] for m in listed["messages"]] == ["inbox1"]
    assert listed["messages"][0]["body"].startswith("Half price https://t.example/r/")
    viewer = bearer(d.keys[("acme", "viewer")])
    assert (await d.http.get("/v1/inbox/u-app?unread=true", headers=viewer)).json() == listed
    other = await d.http.get("/v1/inbox/u-app", headers=bearer(d.keys[("globex", "reporter")]))
    assert other.json()["messages"] == []
    for role in ("viewer", "submitter", "reviewer"):  # people whose read rates are judged
        refused = await d.http.post(
            "/v1/inbox/u-app/inbox1/read", headers=bearer(d.keys[("acme", role)])
        )
        assert (refused.status_code, refused.json()["code"]) == (403, "unauthorized")
    read = await d.http.post("/v1/inbox/u-app/inbox1/read", headers=app)
    assert read.json()["first_time"] is True
    again = await d.http.post("/v1/inbox/u-app/inbox1/read", headers=app)
    assert again.json()["first_time"] is False
    events = await eventually(lambda: d.engagement.for_key("inbox1"), what="read engagement")
    assert [e.json()["kind"] for e in events] == ["read"]
    assert (await d.http.post("/v1/inbox/u-app/nope/read", headers=app)).status_code == 404
    assert (await d.http.get("/v1/inbox/u-app")).status_code == 401


async def test_consent_withdrawn_on_the_recipients_topic_suppresses_the_send(
    dispatcher: Running,
) -> None:
    d = dispatcher
    profile = {
        "recipient_id": "u-optout",
        "tenant": "acme",
        "consent": {"marketing": True, "channels": {"sms": False}},
    }
    await produce(d.kafka, d.prefix + "push.recipients.v1", [("u-optout", jbytes(profile))])

    async def applied() -> bool:
        # the recipients and the sends are separate consumers: probe until the view has it
        did = f"probe-{len(d.outcomes.seen)}"
        await d.sends(send(did, ["sms"], recipient_id="u-optout"))
        return (await d.outcome(did))["outcome"] == "suppressed"

    await eventually(applied, timeout=30, interval=0.2, what="consent view applied")


async def test_email_and_apns_providers_from_the_configuration(dispatcher: Running) -> None:
    d = dispatcher
    await d.sends(
        send("mail1", ["email"], contacts={"email": "li@example.com"}),
        send(
            "ios-dead",
            ["app_push", "email"],
            contacts={
                "email": "li@example.com",
                "push_tokens": [{"platform": "ios", "token": "dead-ios"}],
            },
        ),
        send(
            "ios-ok", ["app_push"], contacts={"push_tokens": [{"platform": "ios", "token": "live"}]}
        ),
    )
    assert (await d.outcome("mail1"))["provider"] == "mail"
    assert (await d.outcome("ios-ok"))["provider"] == "apple"
    moved = await d.outcome("ios-dead")
    assert (moved["channel"], moved["provider"]) == ("email", "mail")
    dead = await eventually(lambda: d.contacts.for_key("u-ios-dead"), what="dead APNs token")
    assert dead[0].json()["contact"] == "dead-ios"
    mail = next(m for m in d.smtp.mailbox.messages if m["Message-ID"] == "<mail1@acme.example>")
    html = next(p for p in mail.walk() if p.get_content_type() == "text/html").get_payload(
        decode=True
    )
    assert b"https://t.example/o/" in html


async def test_sends_of_a_cancelled_request_end_cancelled(dispatcher: Running) -> None:
    d = dispatcher
    cancel = {
        "tenant": "acme",
        "request_id": "r-gone",
        "by": "li",
        "at": datetime.now(UTC).isoformat(),
    }
    await produce(d.kafka, d.prefix + "push.cancels.v1", [("r-gone", jbytes(cancel))])

    async def cancelled() -> bool:
        # the cancel and the sends are separate consumers: probe until the cancel is in
        did = f"gone-{len(d.outcomes.seen)}"
        await d.sends(send(did, ["sms"], request_id="r-gone"))
        return (await d.outcome(did))["outcome"] == "cancelled"

    await eventually(cancelled, timeout=30, interval=0.2, what="cancelled outcome")
