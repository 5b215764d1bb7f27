"""The dispatcher with China SMS and WeChat providers, against the real broker and Postgres:
sends, delivery receipts and replies through the callback addresses, shared tokens."""

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest

from herald.devstack.postgres import create_database
from herald.dispatcher.adapters.vendor_store import PgSharedTokens
from herald.dispatcher.domain.sms_callbacks import CallbackUrls
from herald.dispatcher.main import create_app
from herald.dispatcher.manifest import MANIFEST
from herald.runtime.db import Database, migrate
from tests.integration.dispatcher.harness import SIGNING_SECRET, Live, prepared, send
from tests.integration.dispatcher.push_servers import Wechat
from tests.integration.dispatcher.stub import Stub
from tests.integration.dispatcher.vendor_servers import Aliyun, Tencent
from tests.support.kafka import TopicWatcher
from tests.support.service import running
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration
MIGRATIONS = MANIFEST.migrations
assert MIGRATIONS is not None
PUBLIC = "https://dispatch.example"
URLS = CallbackUrls(SIGNING_SECRET.encode(), PUBLIC)
TEMPLATES = {"default": {"code": "SMS_1", "params": {"content": "{title}: {body}"}}}


@dataclass
class Running(Live):
    database_url: str
    aliyun: Aliyun
    tencent: Tencent
    wechat: Wechat
    engagement: TopicWatcher
    contacts: TopicWatcher

    async def callback(self, owner: str, name: str, event: str, body: Any) -> httpx.Response:
        path = URLS.url(owner, name, event).removeprefix(PUBLIC)
        return await self.http.post(path, json=body)


def providers(ali: Stub, tc: Stub, wx: Stub) -> dict[str, Any]:
    tc_templates = {"default": {"code": "1001", "params": {"1": "{title}", "2": "{request_id}"}}}
    return {
        "providers": {
            "ali": {
                "kind": "aliyun_sms",
                "access_key_id": "LTAI-test",
                "sign_name": "Acme",
                "access_key_secret": {"env": "TEST_ALI_SECRET"},
                "templates": TEMPLATES,
                "endpoint": ali.url(),
            },
            "wx": {
                "kind": "wechat",
                "app_id": "wx123",
                "app_secret": {"env": "TEST_WX_SECRET"},
                "template_id": "TPL-1",
                "endpoint": wx.url(),
                "data": {"thing1": "{title}", "thing2": "{body}"},
            },
        },
        "channels": {"sms": ["ali"], "social": ["wx"]},
        "tenants": {
            "globex": {
                "providers": {
                    "tc": {
                        "kind": "tencent_sms",
                        "secret_id": "AKID-test",
                        "secret_key": {"env": "TEST_TC_SECRET"},
                        "sdk_app_id": "1400000001",
                        "sign_name": "Globex",
                        "templates": tc_templates,
                        "endpoint": tc.url(),
                    }
                },
                "channels": {"sms": ["tc"]},
            }
        },
    }


@pytest.fixture(scope="module")
async def dispatcher(
    kafka: str, pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Running]:
    folder = tmp_path_factory.mktemp("china")
    aliyun, tencent, wechat = Aliyun(), Tencent(), Wechat()
    ali, tc, wx = [await Stub(h).start() for h in (aliyun, tencent, wechat)]
    secrets = {
        "TEST_ALI_SECRET": "ali-secret",
        "TEST_TC_SECRET": "tc-secret",
        "TEST_WX_SECRET": "wx-secret",
    }
    os.environ.update(secrets)
    try:
        async with (
            prepared(
                kafka,
                pg_admin_url,
                folder,
                providers(ali, tc, wx),
                watch=("push.engagement.v1", "push.contacts.v1"),
                dispatcher_public_url=PUBLIC,
            ) as setup,
            running(create_app(setup.settings)) as http,
        ):
            outcomes, engagement, contacts = setup.watchers
            yield Running(
                http, kafka, setup.prefix, outcomes,
                setup.database_url, aliyun, tencent, wechat, engagement, contacts,
            )  # fmt: skip
    finally:
        for name in secrets:
            os.environ.pop(name, None)
        for s in (ali, tc, wx):
            await s.stop()


async def test_aliyun_sms_is_sent_and_its_receipt_publishes_delivered(dispatcher: Running) -> None:
    d = dispatcher
    await d.sends(send("ali-ok", ["sms"]), send("ali-lost", ["sms"]))
    assert (await d.outcome("ali-ok"))["provider"] == "ali"
    await d.outcome("ali-lost")
    report = [
        {
            "phone_number": "13800000000",
            "success": True,
            "err_code": "DELIVERED",
            "out_id": "ali-ok",
            "biz_id": "biz-1",
            "send_time": "2026-11-27 20:00:00",
            "report_time": "2026-11-27 20:00:05",
        },
        {
            "phone_number": "13800000000",
            "success": False,
            "err_code": "MK:0001",
            "out_id": "ali-lost",
            "biz_id": "biz-2",
        },
    ]
    answer = await d.callback("~", "ali", "report", report)
    assert answer.json() == {"code": 0, "msg": "接收成功"}
    event = await eventually(lambda: d.engagement.for_key("ali-ok"), what="delivered engagement")
    assert event[0].json()["kind"] == "delivered"
    metrics = (await d.http.get("/metrics")).text
    assert 'herald_dispatcher_receipts_total{kind="aliyun_sms",status="failed"} 1.0' in metrics
    assert d.engagement.for_key("ali-lost") == []


async def test_tencent_receipt_finds_its_delivery_by_the_remembered_sid(
    dispatcher: Running,
) -> None:
    d = dispatcher
    await d.sends(send("tc-ok", ["sms"], tenant="globex"))
    outcome = await d.outcome("tc-ok")
    assert (outcome["outcome"], outcome["provider"]) == ("sent", "globex/tc")
    sid = outcome["detail"].split("SerialNo ")[1]
    report = [
        {
            "user_receive_time": "2026-11-27 20:00:04",
            "nationcode": "86",
            "mobile": "13800000000",
            "report_status": "SUCCESS",
            "errmsg": "DELIVRD",
            "description": "ok",
            "sid": sid,
        }
    ]
    answer = await d.callback("globex", "tc", "report", report)
    assert answer.json() == {"result": 0, "errmsg": "OK"}
    event = await eventually(lambda: d.engagement.for_key("tc-ok"), what="delivered engagement")
    assert event[0].json()["event_id"] == "rcpt-tc-ok"


async def test_replies_are_recorded_once_with_their_opt_out_verdict(dispatcher: Running) -> None:
    d = dispatcher
    mo = [
        {
            "phone_number": "13811112222",
            "content": "退订",
            "send_time": "2026-11-27 20:01:00",
            "sign_name": "Acme",
            "dest_code": "1234",
            "sequence_id": 1,
        }
    ]
    for _ in range(2):  # the vendor repeats a callback it thinks failed
        assert (await d.callback("~", "ali", "reply", mo)).status_code == 200
    chat = {
        "mobile": "13811113333",
        "nationcode": "86",
        "text": "ＴＤ",
        "time": 1795000000,
        "sign": "Globex",
        "extend": "",
    }
    assert (await d.callback("globex", "tc", "reply", chat)).status_code == 200
    hello = {**chat, "text": "请问几点发货", "time": 1795000001}
    assert (await d.callback("globex", "tc", "reply", hello)).status_code == 200
    conn = await asyncpg.connect(d.database_url)
    try:
        rows = await conn.fetch(
            "SELECT tenant, provider, phone, opt_out FROM dispatcher.replies ORDER BY phone, text"
        )
    finally:
        await conn.close()
    found = {(r["tenant"], r["provider"], r["phone"], r["opt_out"]) for r in rows}
    assert found == {
        ("acme", "ali", "+8613811112222", True),  # acme routes SMS through the shared "ali"
        ("globex", "globex/tc", "+8613811113333", True),
        ("globex", "globex/tc", "+8613811113333", False),
    }
    assert len(rows) == 3


async def test_forged_or_unknown_callback_addresses_are_404(dispatcher: Running) -> None:
    d = dispatcher
    path = URLS.url("~", "ali", "report").removeprefix(PUBLIC)
    assert (await d.http.post(path[:-4] + "0000", json=[])).status_code == 404
    wechat = URLS.url("~", "wx", "report").removeprefix(PUBLIC)  # signed, but not an SMS provider
    assert (await d.http.post(wechat, json=[])).status_code == 404
    assert (await d.http.post(path, content=b"[" + b" " * 1_100_000 + b"]")).status_code == 413


async def test_social_channel_sends_a_wechat_template_and_reports_a_dead_openid(
    dispatcher: Running,
) -> None:
    d = dispatcher
    await d.sends(
        send("wx-ok", ["social"], contacts={"wechat_openid": "o-1"}),
        send("wx-gone", ["social"], contacts={"wechat_openid": "dead"}),
    )
    assert (await d.outcome("wx-ok"))["outcome"] == "sent"
    assert (await d.outcome("wx-gone"))["outcome"] == "failed"
    dead = await eventually(lambda: d.contacts.for_key("u-wx-gone"), what="ContactInvalidated")
    assert (dead[0].json()["channel"], dead[0].json()["contact"]) == ("social", "dead")
    assert "wx-ok" in d.wechat.sent


async def test_replicas_share_one_wechat_token_and_refresh_it_once(pg_admin_url: str) -> None:
    url = await create_database(pg_admin_url, f"t_{uuid.uuid4().hex[:12]}")
    pool = await asyncpg.create_pool(url, min_size=1, max_size=8)
    await migrate(pool, "dispatcher", MIGRATIONS)
    fetched: list[int] = []

    async def fetch() -> tuple[str, float]:
        fetched.append(1)
        await asyncio.sleep(0.05)  # a slow vendor: the other replicas must wait, not fetch
        return f"tok-{len(fetched)}", 7200.0

    try:
        replicas = []
        for _ in range(3):
            db = Database()
            db.attach(pool)
            replicas.append(PgSharedTokens(db))
        got = await asyncio.gather(*(r.get("wechat:wx1", fetch, 300) for r in replicas * 3))
        assert set(got) == {"tok-1"}
        assert len(fetched) == 1
        await replicas[0].forget("wechat:wx1", "not-the-current-token")
        assert await replicas[1].get("wechat:wx1", fetch, 300) == "tok-1"
        await replicas[0].forget("wechat:wx1", "tok-1")
        assert await replicas[2].get("wechat:wx1", fetch, 300) == "tok-2"
    finally:
        await pool.close()
