"""Bulk push over real sockets: token lists per message (Huawei, Xiaomi, JPush), OPPO's
batch of personalised messages, vivo's list push of one content, FCM and APNs batches
multiplexed on one HTTP/2 connection; fewer calls, and each recipient's own outcome."""

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from herald.contracts import Channel
from herald.dispatcher.domain.rendering import render
from herald.dispatcher.providers.apns import ApnsConfig, ApnsProvider
from herald.dispatcher.providers.base import Message, Result
from herald.dispatcher.providers.fcm import FcmConfig, FcmProvider
from herald.dispatcher.providers.huawei import HuaweiConfig, HuaweiProvider
from herald.dispatcher.providers.jpush import JPushConfig, JPushProvider
from herald.dispatcher.providers.oppo import OppoConfig, OppoProvider
from herald.dispatcher.providers.vivo import VivoConfig, VivoProvider
from herald.dispatcher.providers.xiaomi import XiaomiConfig, XiaomiProvider
from tests.integration.dispatcher.push_servers import Huawei, JPush, Oppo, Vivo, Xiaomi
from tests.integration.dispatcher.stub import Seen, reply, stub
from tests.integration.dispatcher.test_http_providers import pem
from tests.unit.dispatcher.builders import send


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as c:
        yield c


def push(did: str, platform: str, *found: str, title: str = "Sale") -> Message:
    contacts = {"push_tokens": [{"platform": platform, "token": t} for t in found]}
    content = {"title": title, "body": "Half price today"}
    return render(send(did, contacts=contacts, content=content), Channel.APP_PUSH)


async def test_huawei_sends_a_message_to_all_its_tokens_in_one_call(
    client: httpx.AsyncClient,
) -> None:
    server = Huawei()
    async with stub(server) as hw:
        cfg = HuaweiConfig("10086", "hw-secret", hw.url("/t/token"), hw.url())
        provider = HuaweiProvider(client, cfg)
        some = await provider.send(push("d-1", "huawei", "t1", "dead-1", "t2"))
        none = await provider.send(push("d-2", "huawei", "dead-2", "dead-3"))
    assert len(hw.on("messages:send")) == 2
    assert server.sent[0]["token"] == ["t1", "dead-1", "t2"]
    assert (some.result, some.dead_contacts) == (Result.SENT, ("dead-1",))
    assert (none.result, none.dead_contacts) == (Result.PERMANENT, ("dead-2", "dead-3"))


async def test_xiaomi_and_jpush_take_a_messages_tokens_as_one_list(
    client: httpx.AsyncClient,
) -> None:
    mi, jp = Xiaomi(), JPush()
    async with stub(mi) as mi_server, stub(jp) as jp_server:
        xiaomi = XiaomiProvider(client, XiaomiConfig("mi-secret", "com.acme.app", mi_server.url()))
        jpush = JPushProvider(client, JPushConfig("jp-key", "jp-secret", jp_server.url()))
        mi_some = await xiaomi.send(push("d-1", "xiaomi", "r1", "dead-9", "r2"))
        jp_all = await jpush.send(push("d-2", "jpush", "j1", "j2", "j3"))
        jp_none = await jpush.send(push("d-3", "jpush", "dead-1", "dead-2"))
    assert [f["registration_id"] for f in mi.sent] == ["r1,dead-9,r2"]
    assert (mi_some.result, mi_some.dead_contacts) == (Result.SENT, ("dead-9",))
    assert jp.sent[0]["audience"]["registration_id"] == ["j1", "j2", "j3"]
    assert jp_all.result is Result.SENT
    assert (jp_none.result, jp_none.dead_contacts) == (Result.PERMANENT, ("dead-1", "dead-2"))
    assert len(jp_server.seen) == 2  # one call per message, whatever its number of ids


async def test_oppo_sends_a_batch_of_personal_messages_in_one_call(
    client: httpx.AsyncClient,
) -> None:
    server = Oppo()
    batch = [push(f"d-{i}", "oppo", f"r{i}", title=f"Hi {i}") for i in range(5)]
    batch += [push("d-dead", "oppo", "dead"), push("d-two", "oppo", "ra", "rb")]
    batch += [push("d-none", "fcm", "f")]
    async with stub(server) as op:
        provider = OppoProvider(client, OppoConfig("oppo-key", "oppo-master", op.url()))
        attempts = await provider.send_many(batch)
    assert server.calls == ["unicast_batch"]
    assert [a.result for a in attempts[:5]] == [Result.SENT] * 5
    assert {m["notification"]["title"] for m in server.sent} >= {f"Hi {i}" for i in range(5)}
    assert (attempts[5].result, attempts[5].dead_contacts) == (Result.PERMANENT, ("dead",))
    assert attempts[6].result is Result.SENT
    assert "2 tokens" in attempts[6].detail
    assert attempts[7].detail == "no push token for this provider"
    # each answer is its own message's: OPPO numbered them in the order it took them
    ids = {m["target_value"]: f"o{n}" for n, m in enumerate(server.sent, 1)}
    assert attempts[0].detail == f"messageId {ids['r0']}"


async def test_oppo_flow_control_answers_for_the_whole_batch(client: httpx.AsyncClient) -> None:
    batch = [push("d-1", "oppo", "r1"), push("d-2", "oppo", "busy")]
    async with stub(Oppo()) as op:
        provider = OppoProvider(client, OppoConfig("oppo-key", "oppo-master", op.url()))
        attempts = await provider.send_many(batch)
    assert [a.result for a in attempts] == [Result.RETRYABLE] * 2


async def test_vivo_pushes_one_content_to_many_tokens_and_the_rest_one_by_one(
    client: httpx.AsyncClient,
) -> None:
    server = Vivo()
    batch = [push(f"d-{i}", "vivo", f"v{i}") for i in range(4)]
    batch += [push("d-dead", "vivo", "dead-1"), push("d-own", "vivo", "v9", title="Just you")]
    async with stub(server) as vv:
        cfg = VivoConfig("10001", "vivo-key", "vivo-secret", vv.url())
        attempts = await VivoProvider(client, cfg).send_many(batch)
    assert sorted(server.calls) == [
        "/message/pushToList", "/message/saveListPayload", "/message/send"
    ]  # fmt: skip
    [listed] = server.listed
    assert sorted(listed["regIds"]) == ["dead-1", "v0", "v1", "v2", "v3"]
    assert [a.result for a in attempts[:4]] == [Result.SENT] * 4
    assert (attempts[4].result, attempts[4].dead_contacts) == (Result.PERMANENT, ("dead-1",))
    assert attempts[5].result is Result.SENT
    assert server.sent[next(iter(server.sent))]["title"] == "Just you"


def _fcm_answer(seen: Seen) -> Any:
    if seen.path == "/token":
        return reply(200, {"access_token": "ya29.x", "expires_in": 3600})
    token = json.loads(seen.body)["message"]["token"]
    if token == "gone":
        return reply(
            404, {"error": {"status": "NOT_FOUND", "details": [{"errorCode": "UNREGISTERED"}]}}
        )
    return reply(200, {"name": f"projects/p/messages/{token}"})


async def test_fcm_has_no_multicast_so_a_batch_is_multiplexed_on_one_http2_connection() -> None:
    key = pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    batch = [push(f"d-{i}", "fcm", f"t{i}") for i in range(40)] + [push("d-g", "fcm", "gone")]
    async with (
        stub(_fcm_answer, http2=True) as google,
        httpx.AsyncClient(http1=False, http2=True) as h2,
    ):
        cfg = FcmConfig("p", "sa@p", key, google.url("/token"), google.url())
        attempts = await FcmProvider(h2, cfg).send_many(batch)
    sends = google.on("messages:send")
    assert len(sends) == 41  # one request per message: FCM HTTP v1 has no multicast
    assert len({s.peer for s in google.seen}) == 1  # all on one connection
    assert {a.result for a in attempts[:40]} == {Result.SENT}
    assert attempts[40].dead_contacts == ("gone",)


async def test_apns_batch_is_multiplexed_on_one_http2_connection() -> None:
    key = pem(ec.generate_private_key(ec.SECP256R1()))
    batch = [push(f"d-{i}", "ios", f"ab{i:02d}") for i in range(30)]
    async with (
        stub(lambda _s: reply(200), http2=True) as apple,
        httpx.AsyncClient(http1=False, http2=True) as h2,
    ):
        apns = ApnsProvider(h2, ApnsConfig("TEAM1", "KEY1", key, "com.acme", apple.url()))
        attempts = await apns.send_many(batch)
    assert {a.result for a in attempts} == {Result.SENT}
    assert len(apple.seen) == 30
    assert len({s.peer for s in apple.seen}) == 1
