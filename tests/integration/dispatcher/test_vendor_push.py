"""Huawei, Xiaomi, OPPO, vivo, JPush and WeChat over real sockets, against local servers
that check their auth flows, payloads and limits, and answer with their own codes."""

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from herald.contracts import Channel
from herald.dispatcher.domain.rendering import render
from herald.dispatcher.providers.base import Result
from herald.dispatcher.providers.huawei import HuaweiConfig, HuaweiProvider
from herald.dispatcher.providers.jpush import JPushConfig, JPushProvider
from herald.dispatcher.providers.oppo import OppoConfig, OppoProvider
from herald.dispatcher.providers.vivo import VivoConfig, VivoProvider
from herald.dispatcher.providers.wechat import WechatConfig, WechatProvider
from herald.dispatcher.providers.wechat_tokens import MemorySharedTokens
from herald.dispatcher.providers.xiaomi import XiaomiConfig, XiaomiProvider
from herald.dispatcher.routing.vendor_config import SYSTEM_CLASSES
from tests.integration.dispatcher.push_servers import Huawei, JPush, Oppo, Vivo, Wechat, Xiaomi
from tests.integration.dispatcher.stub import stub
from tests.unit.dispatcher.builders import send

LONG = "冬季特卖今晚开始，会员专享五折起，点击查看详情。" * 12


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5) as c:
        yield c


def push(platform: str, token: str, channel: Channel = Channel.APP_PUSH, **over: Any):  # type: ignore[no-untyped-def]
    contacts = {
        "push_tokens": [{"platform": platform, "token": token}, {"platform": "fcm", "token": "f"}]
    }
    return render(send(channels=(str(channel),), contacts=contacts, **over), channel)


def wx(openid: str, **over: Any):  # type: ignore[no-untyped-def]
    return render(
        send(channels=("social",), contacts={"wechat_openid": openid}, **over), Channel.SOCIAL
    )


async def test_huawei_fetches_one_oauth_token_sends_and_classes_marketing(
    client: httpx.AsyncClient,
) -> None:
    server = Huawei()
    async with stub(server) as hw:
        cfg = HuaweiConfig(
            "10086", "hw-secret", hw.url("/oauth2/v3/token"), hw.url(), {"marketing": "MARKETING"}
        )
        provider = HuaweiProvider(client, cfg, "huawei")
        big = {"title": "Sale", "body": LONG * 6}  # over 4096 bytes in UTF-8
        first = await provider.send(push("huawei", "t1", category="marketing", content=big))
        second = await provider.send(push("huawei", "t2"))
    assert (first.result, second.result) == (Result.SENT, Result.SENT), first.detail
    assert server.tokens.issued == ["hw-1"]  # cached between sends
    marketing, plain = server.sent
    assert marketing["android"]["category"] == "MARKETING"
    assert marketing["android"]["notification"]["importance"] == "LOW"
    assert marketing["android"]["bi_tag"] == "d-1"
    assert marketing["android"]["notification"]["body"].endswith("…")  # cut to fit 4096 bytes
    assert "category" not in plain["android"]
    assert plain["android"]["notification"]["importance"] == "NORMAL"


async def test_huawei_expired_token_is_dropped_then_refetched(client: httpx.AsyncClient) -> None:
    server = Huawei()
    async with stub(server) as hw:
        provider = HuaweiProvider(
            client, HuaweiConfig("10086", "hw-secret", hw.url("/t/token"), hw.url())
        )
        assert (await provider.send(push("huawei", "t1"))).result is Result.SENT
        server.tokens.revoked.add("hw-1")
        expired = await provider.send(push("huawei", "t1"))
        again = await provider.send(push("huawei", "t1"))
    assert expired.result is Result.RETRYABLE
    assert "80200003" in expired.detail
    assert again.result is Result.SENT
    assert server.tokens.issued == ["hw-1", "hw-2"]


async def test_huawei_wrong_secret_is_permanent_and_sends_nothing(
    client: httpx.AsyncClient,
) -> None:
    server = Huawei()
    async with stub(server) as hw:
        provider = HuaweiProvider(
            client, HuaweiConfig("10086", "nope", hw.url("/t/token"), hw.url())
        )
        attempt = await provider.send(push("huawei", "t1"))
    assert attempt.result is Result.PERMANENT
    assert "token refused" in attempt.detail
    assert server.sent == []


@pytest.mark.parametrize(
    ("token", "result", "dead"),
    [("dead", Result.PERMANENT, True), ("busy", Result.RETRYABLE, False)],
)
async def test_huawei_dead_token_and_flow_control(
    client: httpx.AsyncClient, token: str, result: Result, dead: bool
) -> None:
    async with stub(Huawei()) as hw:
        provider = HuaweiProvider(
            client, HuaweiConfig("10086", "hw-secret", hw.url("/t/token"), hw.url())
        )
        attempt = await provider.send(push("huawei", token))
    assert attempt.result is result
    assert attempt.dead_contacts == ((token,) if dead else ())


async def test_a_vendor_provider_only_sends_to_its_own_platform_tokens(
    client: httpx.AsyncClient,
) -> None:
    server = Huawei()
    async with stub(server) as hw:
        provider = HuaweiProvider(
            client, HuaweiConfig("10086", "hw-secret", hw.url("/t/token"), hw.url())
        )
        only_fcm = render(
            send(contacts={"push_tokens": [{"platform": "fcm", "token": "f"}]}), Channel.APP_PUSH
        )
        attempt = await provider.send(only_fcm)
    assert attempt.result is Result.PERMANENT
    assert "no push token" in attempt.detail
    assert hw.seen == []


async def test_xiaomi_authorises_with_app_secret_and_uses_the_category_channel(
    client: httpx.AsyncClient,
) -> None:
    server = Xiaomi()
    async with stub(server) as mi:
        cfg = XiaomiConfig(
            "mi-secret",
            "com.acme.app",
            mi.url(),
            {"marketing": "ch-public", "transactional": "ch-private"},
        )
        provider = XiaomiProvider(client, cfg)
        sent = await provider.send(
            push("xiaomi", "r1", category="marketing", content={"title": LONG[:90], "body": LONG})
        )
        dead = await provider.send(push("xiaomi", "dead"))
        quota = await provider.send(push("xiaomi", "quota"))
        wrong = await XiaomiProvider(client, XiaomiConfig("nope", "com.acme.app", mi.url())).send(
            push("xiaomi", "r1")
        )
    assert sent.result is Result.SENT, sent.detail
    form = server.sent[0]
    assert form["extra.channel_id"] == "ch-public"
    assert len(form["title"]) < 50 and len(form["description"]) < 128
    assert json.loads(form["payload"])["delivery_id"] == "d-1"
    assert (dead.result, dead.dead_contacts) == (Result.PERMANENT, ("dead",))
    assert quota.result is Result.RETRYABLE
    assert wrong.result is Result.PERMANENT
    assert "21301" in wrong.detail


async def test_oppo_signs_its_auth_request_caches_the_token_and_maps_codes(
    client: httpx.AsyncClient,
) -> None:
    server = Oppo()
    async with stub(server) as op:
        provider = OppoProvider(
            client, OppoConfig("oppo-key", "oppo-master", op.url(), dict(SYSTEM_CLASSES))
        )
        marketing = await provider.send(
            push("oppo", "r1", category="marketing", content={"title": LONG[:90], "body": LONG})
        )
        transactional = await provider.send(push("oppo", "r2", category="transactional"))
        dead = await provider.send(push("oppo", "dead"))
        busy = await provider.send(push("oppo", "busy"))
        server.tokens.revoked.add("op-1")
        expired = await provider.send(push("oppo", "r3"))
        again = await provider.send(push("oppo", "r3"))
        wrong = await OppoProvider(client, OppoConfig("oppo-key", "nope", op.url())).send(
            push("oppo", "r1")
        )
    assert (marketing.result, transactional.result) == (Result.SENT, Result.SENT), marketing.detail
    first, second = server.sent[0]["notification"], server.sent[1]["notification"]
    assert (first["category"], first["notify_level"]) == ("MARKETING", 1)
    assert (second["category"], second["notify_level"]) == ("ACCOUNT", 2)
    assert (dead.result, dead.dead_contacts) == (Result.PERMANENT, ("dead",))
    assert busy.result is Result.RETRYABLE
    assert (expired.result, again.result) == (Result.RETRYABLE, Result.SENT)
    assert server.tokens.issued == ["op-1", "op-2", "op-3"][: len(server.tokens.issued)]
    assert len(server.tokens.issued) == 2
    assert wrong.result is Result.PERMANENT
    assert "code 16" in wrong.detail


async def test_vivo_signs_auth_classifies_by_category_and_dedupes_by_request_id(
    client: httpx.AsyncClient,
) -> None:
    server = Vivo()
    async with stub(server) as vv:
        provider = VivoProvider(
            client, VivoConfig("10001", "vivo-key", "vivo-secret", vv.url(), dict(SYSTEM_CLASSES))
        )
        marketing = await provider.send(
            push("vivo", "r1", category="marketing", content={"title": LONG[:90], "body": LONG})
        )
        repeat = await provider.send(push("vivo", "r1", category="marketing"))
        alert = await provider.send(
            push("vivo", "r2", "app_push", delivery_id="d-2", category="alert")
        )
        dead = await provider.send(push("vivo", "dead"))
        quota = await provider.send(push("vivo", "quota"))
        server.tokens.revoked.add("vv-1")
        expired = await provider.send(push("vivo", "r3", delivery_id="d-3"))
        again = await provider.send(push("vivo", "r3", delivery_id="d-3"))
    assert (marketing.result, repeat.result, alert.result) == (Result.SENT,) * 3, marketing.detail
    assert sorted(server.sent) == ["d-1", "d-2", "d-3"]  # the repeat of d-1 was not pushed again
    assert (server.sent["d-1"]["classification"], server.sent["d-1"]["category"]) == (
        0,
        "MARKETING",
    )
    assert (server.sent["d-2"]["classification"], server.sent["d-2"]["category"]) == (
        1,
        "DEVICE_REMINDER",
    )
    assert (dead.result, dead.dead_contacts) == (Result.PERMANENT, ("dead",))
    assert quota.result is Result.RETRYABLE
    assert (expired.result, again.result) == (Result.RETRYABLE, Result.SENT)
    assert "10000" in expired.detail
    assert server.tokens.issued == ["vv-1", "vv-2"]


async def test_jpush_basic_auth_third_party_classes_and_rate_limit(
    client: httpx.AsyncClient,
) -> None:
    server = JPush()
    async with stub(server) as jp:
        provider = JPushProvider(client, JPushConfig("jp-key", "jp-secret", jp.url()))
        sent = await provider.send(push("jpush", "r1", category="marketing"))
        dead = await provider.send(push("jpush", "dead"))
        limited = await provider.send(push("jpush", "quota"))
        wrong = await JPushProvider(client, JPushConfig("jp-key", "nope", jp.url())).send(
            push("jpush", "r1")
        )
    assert sent.result is Result.SENT
    channels = server.sent[0]["options"]["third_party_channel"]
    assert channels["vivo"]["classification"] == 0
    assert channels["huawei"]["category"] == "MARKETING"
    assert (dead.result, dead.dead_contacts) == (Result.PERMANENT, ("dead",))
    assert (limited.result, limited.retry_after) == (Result.RETRYABLE, 30.0)
    assert wrong.result is Result.PERMANENT


def wechat(client: httpx.AsyncClient, url: str, tokens: MemorySharedTokens) -> WechatProvider:
    data = {"thing1": "{title}", "thing2": "{body}", "time3": "{sent_at}"}
    return WechatProvider(client, WechatConfig("wx123", "wx-secret", "TPL-1", data, url), tokens)


async def test_wechat_sends_a_template_message_within_value_limits(
    client: httpx.AsyncClient,
) -> None:
    server, tokens = Wechat(), MemorySharedTokens()
    async with stub(server) as wxs:
        provider = wechat(client, wxs.url(), tokens)
        attempt = await provider.send(
            wx(
                "o-1",
                content={
                    "title": "订单已发货",
                    "body": LONG,
                    "url": "https://shop.example.com/o/1",
                },
            )
        )
        repeat = await provider.send(wx("o-1"))
    assert (attempt.result, repeat.result) == (Result.SENT, Result.SENT), attempt.detail
    [body] = server.sent.values()  # client_msg_id = delivery id: the repeat is dropped
    assert body["touser"] == "o-1"
    assert body["data"]["thing1"]["value"] == "订单已发货"
    assert len(body["data"]["thing2"]["value"]) == 20
    assert body["url"] == "https://shop.example.com/o/1"
    assert server.tokens.issued == ["wx-1"]


async def test_wechat_revoked_token_is_dropped_and_dead_openid_reported(
    client: httpx.AsyncClient,
) -> None:
    server, tokens = Wechat(), MemorySharedTokens()
    async with stub(server) as wxs:
        provider = wechat(client, wxs.url(), tokens)
        assert (await provider.send(wx("o-1"))).result is Result.SENT
        server.tokens.revoked.add("wx-1")  # e.g. another system fetched a token
        revoked = await provider.send(wx("o-2", delivery_id="d-2"))
        again = await provider.send(wx("o-2", delivery_id="d-2"))
        dead = await provider.send(wx("dead", delivery_id="d-3"))
        quota = await provider.send(wx("quota", delivery_id="d-4"))
        no_openid = await provider.send(
            render(send(channels=("social",), contacts={}), Channel.SOCIAL)
        )
    assert revoked.result is Result.RETRYABLE
    assert "40001" in revoked.detail
    assert again.result is Result.SENT
    assert (dead.result, dead.dead_contacts) == (Result.PERMANENT, ("dead",))
    assert quota.result is Result.RETRYABLE
    assert no_openid.result is Result.PERMANENT
