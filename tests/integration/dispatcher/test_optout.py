"""Opting out through Herald, over real sockets: the dispatcher served by uvicorn on a
local port, a real SMTP server (aiosmtpd), the Alibaba Cloud SMS stand-in and its MO
callback, the real broker and Postgres. An opt-out (one-click link or SMS reply) stops
the next marketing message to that recipient on that channel while a transactional one
still goes; a forged token changes nothing."""

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from email.message import Message
from typing import Any

import asyncpg
import httpx
import pytest

from herald.dispatcher.domain.sms_callbacks import CallbackUrls
from herald.dispatcher.main import create_app
from tests.integration.dispatcher.harness import Live, prepared, send
from tests.integration.dispatcher.smtp_server import SmtpServer
from tests.integration.dispatcher.stub import Stub
from tests.integration.dispatcher.vendor_servers import Aliyun
from tests.support.kafka import TopicWatcher, jbytes, produce
from tests.support.serve import serving
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration
PUBLIC = "https://dispatch.example"
SIGNING_SECRET = "sign-me-sign-me-sign-me-sign-me-sign-me"
URLS = CallbackUrls(SIGNING_SECRET.encode(), PUBLIC)


@dataclass
class Running(Live):
    database_url: str
    smtp: SmtpServer
    aliyun: Aliyun
    engagement: TopicWatcher
    consent: TopicWatcher
    keys: dict[tuple[str, str], str]

    def mail(self, did: str) -> Message:
        [found] = [m for m in self.smtp.mailbox.messages if m["X-Herald-Delivery-Id"] == did]
        return found

    def text(self, did: str) -> str:
        [part] = [p for p in self.mail(did).walk() if p.get_content_type() == "text/plain"]
        return part.get_payload(decode=True).decode()  # type: ignore[no-any-return, union-attr]

    def changes(self, recipient_id: str) -> list[dict[str, Any]]:
        return [m.json() for m in self.consent.for_key(recipient_id)]

    async def audited(self) -> int:
        conn = await asyncpg.connect(self.database_url)
        try:
            return int(await conn.fetchval("SELECT count(*) FROM dispatcher.consent_audit"))
        finally:
            await conn.close()


def local(url: str) -> str:
    assert url.startswith(PUBLIC + "/")
    return url.removeprefix(PUBLIC)


@pytest.fixture(scope="module")
async def dispatcher(
    kafka: str, pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Running]:
    folder = tmp_path_factory.mktemp("optout")
    smtp, aliyun = SmtpServer(folder).start(), Aliyun()
    ali = await Stub(aliyun).start()
    (folder / "smtp-password").write_text("s3cret\n")
    (folder / "ali-secret").write_text("ali-secret\n")
    providers = {
        "providers": {
            "mail": {"kind": "smtp", "host": "127.0.0.1", "port": smtp.port, "username": "herald",
                     "password": {"file": str(folder / "smtp-password")},
                     "sender": "news@acme.example", "ca_file": str(smtp.cert)},
            "ali": {"kind": "aliyun_sms", "access_key_id": "LTAI-test", "sign_name": "Acme",
                    "access_key_secret": {"file": str(folder / "ali-secret")},
                    "templates": {"default": {"code": "SMS_1",
                                              "params": {"content": "{title}: {body}"}}},
                    "endpoint": ali.url()},
        },
        "channels": {"email": ["mail"], "sms": ["ali"], "in_app": ["inbox"]},
    }  # fmt: skip
    try:
        async with (
            prepared(
                kafka,
                pg_admin_url,
                folder,
                providers,
                watch=("push.engagement.v1", "push.consent.v1"),
                signing_secret=SIGNING_SECRET,
                tracker_public_url="https://t.example",
                dispatcher_public_url=PUBLIC,
            ) as setup,
            serving(create_app(setup.settings)) as base,
            httpx.AsyncClient(base_url=base) as http,
        ):
            outcomes, engagement, consent = setup.watchers
            yield Running(
                http, kafka, setup.prefix, outcomes,
                setup.database_url, smtp, aliyun, engagement, consent, setup.keys,
            )  # fmt: skip
    finally:
        await ali.stop()
        smtp.stop()


def email(did: str, rid: str, category: str) -> dict[str, Any]:
    return send(did, ["email"], recipient_id=rid, category=category,
                contacts={"email": f"{rid}@example.com"})  # fmt: skip


async def test_one_click_post_stops_the_next_marketing_email_but_not_a_transactional_one(
    dispatcher: Running,
) -> None:
    d = dispatcher
    await d.sends(email("oc-m1", "u-oc", "marketing"), email("oc-t1", "u-oc", "transactional"))
    assert (await d.outcome("oc-m1"))["outcome"] == "sent"
    assert (await d.outcome("oc-t1"))["outcome"] == "sent"
    marketing, receipt = d.mail("oc-m1"), d.mail("oc-t1")
    assert marketing["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = marketing["List-Unsubscribe"].strip("<>")
    assert link.startswith(f"{PUBLIC}/u/")
    assert receipt["List-Unsubscribe"] is None  # transactional: no invitation to refuse it
    assert receipt["List-Unsubscribe-Post"] is None

    page = await d.http.get(local(link))  # a link scanner's GET changes nothing
    assert page.status_code == 200
    assert '<form method="post">' in page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    assert d.changes("u-oc") == []

    one_click = {"content-type": "application/x-www-form-urlencoded"}
    for _ in range(2):  # the mail client may post twice: one change
        answer = await d.http.post(
            local(link), content=b"List-Unsubscribe=One-Click", headers=one_click
        )
        assert answer.status_code == 200
        assert not answer.is_redirect
    [change] = await eventually(lambda: d.changes("u-oc"), what="ConsentChanged")
    assert (change["tenant"], change["category"], change["channel"]) == (
        "acme",
        "marketing",
        "email",
    )
    assert (change["allowed"], change["source"], change["delivery_id"]) == (False, "link", "oc-m1")
    [unsub] = await eventually(
        lambda: [e for e in d.engagement.for_key("oc-m1") if e.json()["kind"] == "unsubscribed"],
        what="unsubscribed engagement",
    )
    assert unsub.json()["event_id"] == "unsubscribed-oc-m1"

    await d.sends(email("oc-m2", "u-oc", "marketing"), email("oc-t2", "u-oc", "transactional"))
    suppressed = await d.outcome("oc-m2")
    assert (suppressed["outcome"], suppressed["reason"]) == ("suppressed", "opted_out")
    assert (await d.outcome("oc-t2"))["outcome"] == "sent"
    d.mail("oc-t2")
    assert not [m for m in d.smtp.mailbox.messages if m["X-Herald-Delivery-Id"] == "oc-m2"]
    assert len(d.changes("u-oc")) == 1

    admin = {"authorization": f"Bearer {d.keys[('acme', 'admin')]}"}
    audit = (await d.http.get("/v1/consent/u-oc", headers=admin)).json()
    assert audit["opted_out"] == [{"category": "marketing", "channel": "email"}]
    [row] = audit["changes"]
    assert (row["source"], row["evidence"], row["allowed"]) == ("link", "link in oc-m1", False)
    viewer = {"authorization": f"Bearer {d.keys[('acme', 'viewer')]}"}
    assert (await d.http.get("/v1/consent/u-oc", headers=viewer)).status_code == 403
    other = {"authorization": f"Bearer {d.keys[('globex', 'admin')]}"}
    assert (await d.http.get("/v1/consent/u-oc", headers=other)).json()["changes"] == []


async def test_sms_reply_hui_t_stops_the_next_marketing_sms_but_not_a_transactional_one(
    dispatcher: Running,
) -> None:
    d = dispatcher
    profile = {
        "recipient_id": "u-sms",
        "tenant": "acme",
        "contacts": {"phone": "+86 138 0013 8000"},
        "consent": {"marketing": True},
    }
    await produce(d.kafka, d.prefix + "push.recipients.v1", [("u-sms", jbytes(profile))])

    async def in_view() -> bool:
        conn = await asyncpg.connect(d.database_url)
        try:
            return bool(
                await conn.fetchval(
                    "SELECT phone_key IS NOT NULL FROM dispatcher.consent WHERE recipient_id = $1",
                    "u-sms",
                )
            )
        finally:
            await conn.close()

    await eventually(in_view, timeout=30, what="profile in the consent view")
    sms = {"recipient_id": "u-sms", "contacts": {"phone": "+8613800138000"}}
    await d.sends(send("mo-m1", ["sms"], category="marketing", **sms))
    assert (await d.outcome("mo-m1"))["outcome"] == "sent"
    sent = json.loads(d.aliyun.taken[-1]["TemplateParam"])["content"]
    assert "回T退订" not in sent  # the approved template carries its own opt-out text

    mo = [{"phone_number": "13800138000", "content": " 回Ｔ ", "send_time": "2026-11-29 10:00:00",
           "sign_name": "Acme", "dest_code": "", "sequence_id": 7}]  # fmt: skip
    path = URLS.url("~", "ali", "reply").removeprefix(PUBLIC)
    assert (await d.http.post(path, json=mo)).status_code == 200
    [change] = await eventually(lambda: d.changes("u-sms"), what="ConsentChanged")
    assert (change["channel"], change["allowed"], change["source"]) == ("sms", False, "sms_reply")

    await d.sends(
        send("mo-m2", ["sms"], category="marketing", **sms),
        send("mo-t2", ["sms"], category="transactional", **sms),
    )
    assert (await d.outcome("mo-m2"))["reason"] == "opted_out"
    assert (await d.outcome("mo-t2"))["outcome"] == "sent"


async def test_forged_or_tampered_token_is_404_and_changes_nothing(dispatcher: Running) -> None:
    d = dispatcher
    await d.sends(email("fg-m1", "u-fg", "marketing"))
    await d.outcome("fg-m1")
    link = local(d.mail("fg-m1")["List-Unsubscribe"].strip("<>"))
    body, kid, mac = link.removeprefix("/u/").split(".")
    flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    tracking = d.text("fg-m1").split("https://t.example")[1]
    before = await d.audited()
    for bad in (
        f"/u/{flipped}.{kid}.{mac}",
        f"/u/{body}.{kid}.{mac[:-1]}",
        f"/u/{body}.other.{mac}",
        f"/p/{body}.{kid}.{mac}",  # an opt-out token is not a preference-centre token
        "/u" + tracking.split()[0].removeprefix("/r"),  # nor is a tracking token
    ):
        assert (await d.http.get(bad)).status_code == 404, bad
        assert (await d.http.post(bad, content=b"List-Unsubscribe=One-Click")).status_code == 404
    assert await d.audited() == before
    await d.sends(email("fg-m2", "u-fg", "marketing"))
    assert (await d.outcome("fg-m2"))["outcome"] == "sent"
    assert d.changes("u-fg") == []


async def test_preference_centre_saves_categories_by_channel(dispatcher: Running) -> None:
    d = dispatcher
    await d.sends(email("pc-m1", "u-pc", "marketing"))
    await d.outcome("pc-m1")
    text = d.text("pc-m1")
    prefs = local(next(w for w in text.split() if w.startswith(f"{PUBLIC}/p/")))
    page = await d.http.get(prefs)
    assert page.status_code == 200
    assert 'name="marketing:sms" value="1" checked' in page.text
    assert "<script" not in page.text
    ticked = {f"{cat}:{ch}": "1" for cat in ("marketing", "notification")
              for ch in ("email", "app_push", "in_app", "social")}  # fmt: skip
    ticked |= {"notification:sms": "1", "save": "1"}  # marketing SMS left unticked
    saved = await d.http.post(prefs, data=ticked)
    assert saved.status_code == 200
    assert 'name="marketing:sms" value="1" aria' in saved.text
    [change] = await eventually(lambda: d.changes("u-pc"), what="ConsentChanged")
    assert (change["channel"], change["allowed"], change["source"]) == (
        "sms",
        False,
        "preferences",
    )
    await d.sends(
        send("pc-s1", ["sms"], recipient_id="u-pc", category="marketing"),
        email("pc-m2", "u-pc", "marketing"),
    )
    assert (await d.outcome("pc-s1"))["reason"] == "opted_out"
    assert (await d.outcome("pc-m2"))["outcome"] == "sent"
    back = await d.http.post(prefs, data=ticked | {"marketing:sms": "1"})
    assert 'name="marketing:sms" value="1" checked' in back.text
    await eventually(lambda: len(d.changes("u-pc")) == 2, what="opted back in")
    assert d.changes("u-pc")[1]["allowed"] is True


async def test_a_number_that_said_stop_before_its_profile_arrived_is_opted_out_on_arrival(
    dispatcher: Running,
) -> None:
    d = dispatcher
    mo = [{"phone_number": "13700137000", "content": "STOP", "send_time": "2026-11-29 10:00:00",
           "sign_name": "Acme", "dest_code": "", "sequence_id": 8}]  # fmt: skip
    path = URLS.url("~", "ali", "reply").removeprefix(PUBLIC)
    assert (await d.http.post(path, json=mo)).status_code == 200
    profile = {"recipient_id": "u-late", "tenant": "acme",
               "contacts": {"phone": "+8613700137000"}, "consent": {"marketing": True}}  # fmt: skip
    await produce(d.kafka, d.prefix + "push.recipients.v1", [("u-late", jbytes(profile))])
    [change] = await eventually(lambda: d.changes("u-late"), timeout=30, what="ConsentChanged")
    assert (change["channel"], change["allowed"], change["source"]) == ("sms", False, "sms_reply")
    sms = {"recipient_id": "u-late", "contacts": {"phone": "+8613700137000"}}
    await d.sends(send("late-m1", ["sms"], category="marketing", **sms))
    assert (await d.outcome("late-m1"))["reason"] == "opted_out"
