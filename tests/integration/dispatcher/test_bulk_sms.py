"""Bulk SMS over real sockets: Tencent's SendSms with many numbers, Alibaba's SendBatchSms;
fewer calls than messages, and each message's own outcome (and receipt) mapped back."""

from collections.abc import AsyncIterator

import httpx
import pytest
from prometheus_client import CollectorRegistry

from herald.contracts import Channel, Topic
from herald.dispatcher.domain import sms_callbacks as cb
from herald.dispatcher.domain.rendering import render
from herald.dispatcher.http.sms_callbacks import Callbacks
from herald.dispatcher.metrics import DispatcherMetrics
from herald.dispatcher.providers.aliyun_sms import AliyunSmsConfig, AliyunSmsProvider
from herald.dispatcher.providers.base import Message, Result
from herald.dispatcher.providers.refs import MemoryRefs
from herald.dispatcher.providers.sms_templates import SmsTemplate
from herald.dispatcher.providers.tencent_sms import TencentSmsConfig, TencentSmsProvider
from herald.dispatcher.routing.config import ProvidersConfig
from tests.integration.dispatcher.stub import stub
from tests.integration.dispatcher.vendor_servers import Aliyun, Tencent
from tests.support.fakes import FakeEventBus
from tests.unit.dispatcher.builders import T0, send

TC_TEMPLATES = {"default": SmsTemplate("1001", {"1": "{title}", "2": "{labels[campaign]}"})}
ALI_TEMPLATES = {"default": SmsTemplate("SMS_1", {"content": "{title}: {body}"})}


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as c:
        yield c


def sms(did: str, phone: str | None, title: str = "Sale") -> Message:
    contacts = {"phone": phone} if phone else {"email": "x@example.com"}
    content = {"title": title, "body": "Half price"}
    return render(
        send(did, contacts=contacts, content=content, labels={"campaign": "w26"}), Channel.SMS
    )


def number(i: int) -> str:
    return f"+86137{i:08d}"


async def test_tencent_sends_equal_values_to_many_numbers_per_call(
    client: httpx.AsyncClient,
) -> None:
    server, refs = Tencent(), MemoryRefs()
    batch = [sms(f"d-{i}", number(i)) for i in range(250)]
    batch += [
        sms("d-dead", "+8613900000001"),
        sms("d-blocked", "+8613900000005"),
        sms("d-again", number(7)),  # the same number twice: never in one call
        sms("d-nophone", None),
    ]
    async with stub(server) as gw:
        cfg = TencentSmsConfig("AKID-test", "tc-secret", "1400000001", "Acme", TC_TEMPLATES,
                               endpoint=gw.url())  # fmt: skip
        attempts = await TencentSmsProvider(client, cfg, refs, "tc").send_many(batch)
    assert len(server.taken) == 2  # 253 numbers: 200 + 53
    assert sorted(len(t["PhoneNumberSet"]) for t in server.taken) == [53, 200]
    by_id = dict(zip([m.delivery_id for m in batch], attempts, strict=True))
    assert by_id["d-dead"].result is Result.PERMANENT
    assert by_id["d-dead"].dead_contacts == ("+8613900000001",)
    assert "PhoneNumberInBlacklist" in by_id["d-blocked"].detail
    assert by_id["d-nophone"].detail == "no phone number"
    sent = [(d, a) for d, a in by_id.items() if a.result is Result.SENT]
    assert len(sent) == 251
    for did, attempt in sent:  # each number's own SerialNo finds its own delivery
        sid = attempt.detail.split("SerialNo ")[1]
        assert await refs.delivery("tc", sid) == did


async def test_tencent_sends_personal_values_one_call_each_and_a_call_error_to_its_members(
    client: httpx.AsyncClient,
) -> None:
    server = Tencent()
    batch = [sms(f"p-{i}", number(i), title=f"Hi {i}") for i in range(3)]
    batch += [sms("same-1", number(10)), sms("same-2", "+8613900000004")]  # call refused
    async with stub(server) as gw:
        cfg = TencentSmsConfig("AKID-test", "tc-secret", "1400000001", "Acme", TC_TEMPLATES,
                               endpoint=gw.url())  # fmt: skip
        attempts = await TencentSmsProvider(client, cfg, MemoryRefs(), "tc").send_many(batch)
    assert [a.result for a in attempts] == [Result.SENT] * 3 + [Result.RETRYABLE] * 2
    assert [t["SessionContext"] for t in server.taken] == ["p-0", "p-1", "p-2"]


def aliyun(client: httpx.AsyncClient, url: str, refs: MemoryRefs) -> AliyunSmsProvider:
    cfg = AliyunSmsConfig("LTAI-test", "ali-secret", "Acme", ALI_TEMPLATES, url)
    return AliyunSmsProvider(client, cfg, "ali", refs)


async def test_alibaba_sends_personal_texts_in_batches_and_receipts_find_each_member(
    client: httpx.AsyncClient,
) -> None:
    server, refs = Aliyun(), MemoryRefs()
    batch = [sms(f"a-{i}", number(i), title=f"Hi {i}") for i in range(150)]
    async with stub(server) as gw:
        attempts = await aliyun(client, gw.url(), refs).send_many(batch)
    assert server.calls == ["SendBatchSms", "SendBatchSms"]  # 100 + 50, not 150
    assert {a.result for a in attempts} == {Result.SENT}
    first = server.taken[0]
    assert first["OutId"].startswith("~")
    report = [{"out_id": first["OutId"], "phone_number": "13700000042", "success": True}]
    [receipt] = cb.aliyun_receipts(report)
    assert await refs.delivery("ali", receipt.ref) == "a-42"
    events = FakeEventBus()
    callbacks = Callbacks(
        ProvidersConfig(), frozenset({"acme"}), refs, None,  # type: ignore[arg-type]
        events, DispatcherMetrics(CollectorRegistry()), lambda: T0,
    )  # fmt: skip
    await callbacks.reports("aliyun_sms", "ali", report)
    [delivered] = events.on(Topic.ENGAGEMENT)
    assert (delivered.key, delivered.json()["kind"]) == ("a-42", "delivered")


async def test_an_alibaba_batch_refused_for_one_number_is_resent_one_by_one(
    client: httpx.AsyncClient,
) -> None:
    server = Aliyun()
    batch = [sms(f"a-{i}", number(i), title=f"Hi {i}") for i in range(4)]
    batch.insert(2, sms("a-dead", "+8613900000001"))
    async with stub(server) as gw:
        attempts = await aliyun(client, gw.url(), MemoryRefs()).send_many(batch)
    assert server.calls == ["SendBatchSms"] + ["SendSms"] * 5
    assert [a.result for a in attempts] == [Result.SENT] * 2 + [Result.PERMANENT] + [
        Result.SENT
    ] * 2
    assert attempts[2].dead_contacts == ("+8613900000001",)


async def test_an_alibaba_batch_that_is_throttled_is_retried_whole_later(
    client: httpx.AsyncClient,
) -> None:
    server = Aliyun()
    batch = [sms(f"a-{i}", number(i)) for i in range(3)] + [sms("a-t", "+8613900000003")]
    async with stub(server) as gw:
        attempts = await aliyun(client, gw.url(), MemoryRefs()).send_many(batch)
    assert server.calls == ["SendBatchSms"]
    assert {a.result for a in attempts} == {Result.RETRYABLE}
