"""Opt-out keywords in SMS replies, and the China SMS callbacks' parsing and addresses."""

from datetime import UTC, datetime

import pytest
from prometheus_client import CollectorRegistry

from herald.contracts import Topic
from herald.dispatcher.domain import sms_callbacks as cb
from herald.dispatcher.domain.inbound import InboundReply, is_opt_out
from herald.dispatcher.http.sms_callbacks import Callbacks
from herald.dispatcher.metrics import DispatcherMetrics
from herald.dispatcher.providers.refs import MemoryRefs
from herald.dispatcher.routing.config import ProvidersConfig
from tests.support.fakes import FakeEventBus

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "T",
        "t",
        "TD",
        "td",
        "回T",
        "回t",
        "退订",
        "退订。",
        " STOP ",
        "Stop!",
        "stop all",
        "UNSUBSCRIBE",
        "N",
        "取消",
        "ＴＤ",
        "ｓｔｏｐ",
        "【退订】",
        "R",
        "拒收",
    ],
)
def test_a_whole_message_keyword_is_an_opt_out(text: str) -> None:
    assert is_opt_out(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "好的",
        "请不要在晚上发",
        "Please stop sending at night",
        "TDD",
        "退订了吗？谢谢",
        "NO THANKS",
        "stopwatch",
        "T" * 2000,
    ],
)
def test_a_reply_that_merely_contains_a_keyword_is_not_an_opt_out(text: str) -> None:
    assert not is_opt_out(text)


def test_callback_address_is_signed_per_provider_and_event() -> None:
    urls = cb.CallbackUrls(b"secret", "https://dispatch.example/")
    url = urls.url("~", "ali", "reply")
    assert url.startswith("https://dispatch.example/v1/callbacks/sms/~/ali/reply/")
    sig = url.rsplit("/", 1)[1]
    assert urls.verify("~", "ali", "reply", sig)
    assert not urls.verify("~", "ali", "report", sig)  # another event
    assert not urls.verify("acme", "ali", "reply", sig)  # another owner
    assert not urls.verify("~", "ali", "other", urls.sig("~", "ali", "other"))  # no such event
    assert not cb.CallbackUrls(b"other", "https://x").verify("~", "ali", "reply", sig)


def test_aliyun_callbacks_parse_receipts_by_out_id_and_replies_in_beijing_time() -> None:
    receipts = cb.aliyun_receipts(
        [
            {"out_id": "d-1", "success": True, "err_code": "DELIVERED"},
            {"out_id": "d-2", "success": False, "err_code": "MK:0001"},
            {"biz_id": "no-out-id", "success": True},
            "garbage",
        ]
    )
    assert receipts == [cb.Receipt("d-1", True, "DELIVERED"), cb.Receipt("d-2", False, "MK:0001")]
    [mo] = cb.aliyun_replies(
        [{"phone_number": "13800000000", "content": "TD", "send_time": "2026-11-27 20:00:00"}], NOW
    )
    assert mo.phone == "+8613800000000"
    assert mo.at == datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def test_tencent_callbacks_parse_receipts_by_sid_and_replies_object_or_list() -> None:
    receipts = cb.tencent_receipts(
        [
            {"sid": "s1", "report_status": "SUCCESS", "errmsg": "DELIVRD"},
            {"sid": "s2", "report_status": "FAIL", "errmsg": "UNDELIV"},
        ]
    )
    assert [(r.ref, r.delivered) for r in receipts] == [("s1", True), ("s2", False)]
    one = {"mobile": "13800000000", "nationcode": "86", "text": "退订", "time": 1795000000}
    assert cb.tencent_replies(one, NOW) == cb.tencent_replies([one], NOW)
    [mo] = cb.tencent_replies({**one, "nationcode": "852", "mobile": "91234567"}, NOW)
    assert mo.phone == "+85291234567"


def test_e164_keeps_international_numbers_and_prefixes_mainland_ones() -> None:
    assert cb.e164("13800000000") == "+8613800000000"
    assert cb.e164("8613800000000") == "+8613800000000"
    assert cb.e164("+85291234567") == "+85291234567"


class FakeReplies:
    def __init__(self) -> None:
        self.got: list[InboundReply] = []

    async def received(self, reply: InboundReply) -> None:
        self.got.append(reply)


def callbacks(refs: MemoryRefs, replies: FakeReplies, events: FakeEventBus) -> Callbacks:
    raw = {
        "providers": {"tc": {"kind": "tencent_sms", "secret_id": "i", "secret_key": {"env": "X"},
                             "sdk_app_id": "1", "sign_name": "A",
                             "templates": {"default": {"code": "1"}}}},
        "channels": {"sms": ["tc"]},
        "tenants": {"globex": {"channels": {"sms": ["log"]}}},
    }  # fmt: skip
    config = ProvidersConfig.model_validate(raw)
    tenants = frozenset({"acme", "initech", "globex"})
    metrics = DispatcherMetrics(CollectorRegistry())
    return Callbacks(config, tenants, refs, replies, events, metrics, lambda: NOW)


async def test_a_shared_providers_reply_goes_to_every_tenant_routing_through_it() -> None:
    replies, events = FakeReplies(), FakeEventBus()
    cbs = callbacks(MemoryRefs(), replies, events)
    await cbs.replies("tencent_sms", "tc", "~", "tc", {"mobile": "13800000000", "text": "TD"})
    assert sorted(r.tenant for r in replies.got) == ["acme", "initech"]  # globex routes to log
    assert {(r.phone, r.text, r.provider) for r in replies.got} == {("+8613800000000", "TD", "tc")}


async def test_a_receipt_for_an_unknown_sid_publishes_nothing() -> None:
    refs, events = MemoryRefs(), FakeEventBus()
    await refs.remember("tc", "sid-1", "d-1")
    cbs = callbacks(refs, FakeReplies(), events)
    report = [
        {"sid": "sid-1", "report_status": "SUCCESS"},
        {"sid": "sid-x", "report_status": "SUCCESS"},
    ]
    await cbs.reports("tencent_sms", "tc", report)
    assert [p.key for p in events.on(Topic.ENGAGEMENT)] == ["d-1"]
