"""Alibaba Cloud and Tencent Cloud SMS over real sockets, against servers that verify
signatures with the vendors' own SDK signers (and accept the SDKs' own requests)."""

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from alibabacloud_dysmsapi20170525 import models as ali_models
from alibabacloud_dysmsapi20170525.client import Client as AliClient
from alibabacloud_tea_openapi.models import Config as AliConfig
from tencentcloud.common.credential import Credential
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models as tc_models
from tencentcloud.sms.v20210111.sms_client import SmsClient

from herald.contracts import Channel
from herald.dispatcher.domain.rendering import render
from herald.dispatcher.providers.aliyun_sms import AliyunSmsConfig, AliyunSmsProvider
from herald.dispatcher.providers.base import Result
from herald.dispatcher.providers.refs import MemoryRefs
from herald.dispatcher.providers.sms_templates import SmsTemplate
from herald.dispatcher.providers.tencent_sms import TencentSmsConfig, TencentSmsProvider
from tests.integration.dispatcher.stub import reply, stub
from tests.integration.dispatcher.vendor_servers import Aliyun, Tencent
from tests.unit.dispatcher.builders import send

ALI_TEMPLATES = {"default": SmsTemplate("SMS_1", {"content": "{title}: {body}"})}
TC_TEMPLATES = {"default": SmsTemplate("1001", {"1": "{title}", "2": "{labels[campaign]}"})}


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5) as c:
        yield c


def msg(phone: str = "+8613800000000", **over: Any):  # type: ignore[no-untyped-def]
    contacts = {"phone": phone}
    return render(send(contacts=contacts, labels={"campaign": "w26"}, **over), Channel.SMS)


def aliyun(client: httpx.AsyncClient, url: str, signature: str = "v3", secret: str = "ali-secret"):  # type: ignore[no-untyped-def]
    cfg = AliyunSmsConfig("LTAI-test", secret, "Acme", ALI_TEMPLATES, url, signature)
    return AliyunSmsProvider(client, cfg, "ali")


@pytest.mark.parametrize("signature", ["v3", "rpc"])
async def test_aliyun_send_is_signed_as_the_sdk_signs_and_carries_the_template(
    client: httpx.AsyncClient, signature: str
) -> None:
    server = Aliyun()
    async with stub(server) as gw:
        attempt = await aliyun(client, gw.url(), signature).send(msg())
    assert attempt.result is Result.SENT, attempt.detail
    assert "BizId biz-1" in attempt.detail
    [taken] = server.taken
    assert taken["PhoneNumbers"] == "13800000000"
    assert taken["SignName"] == "Acme"
    assert taken["OutId"] == "d-1"  # echoed in receipts as out_id
    assert json.loads(taken["TemplateParam"]) == {
        "content": "Sale: Half price https://shop.example.com/w now"
    }


async def test_aliyun_wrong_secret_is_refused_by_the_verifier_and_permanent(
    client: httpx.AsyncClient,
) -> None:
    server = Aliyun()
    async with stub(server) as gw:
        v3 = await aliyun(client, gw.url(), "v3", secret="wrong").send(msg())
        rpc = await aliyun(client, gw.url(), "rpc", secret="wrong").send(msg())
    assert (v3.result, rpc.result) == (Result.PERMANENT, Result.PERMANENT)
    assert "SignatureDoesNotMatch" in v3.detail
    assert "SignatureDoesNotMatch" in rpc.detail
    assert server.taken == []


async def test_the_aliyun_verifier_accepts_the_vendor_sdk_own_request() -> None:
    server = Aliyun()
    async with stub(server) as gw:
        for algorithm in (None, "v2"):  # V3 (the SDK's default) and RPC V1
            sdk = AliClient(AliConfig(access_key_id="LTAI-test", access_key_secret="ali-secret",
                                      endpoint=f"127.0.0.1:{gw.port}", protocol="http",
                                      signature_algorithm=algorithm))  # fmt: skip
            request = ali_models.SendSmsRequest(
                phone_numbers="13800000000", sign_name="Acme", template_code="SMS_1",
                template_param='{"content": "x"}', out_id="d-sdk",
            )  # fmt: skip
            answer = await asyncio.to_thread(sdk.send_sms, request)
            assert answer.body.code == "OK"
    assert [t["OutId"] for t in server.taken] == ["d-sdk", "d-sdk"]


@pytest.mark.parametrize(
    ("phone", "result", "dead", "code"),
    [
        ("+8613900000001", Result.PERMANENT, True, "isv.MOBILE_NUMBER_ILLEGAL"),
        ("+8613900000002", Result.PERMANENT, False, "isv.BUSINESS_LIMIT_CONTROL"),
        ("+8613900000003", Result.RETRYABLE, False, "Throttling.User"),
        ("+8613900000004", Result.RETRYABLE, False, "ServiceUnavailable"),
    ],
)
async def test_aliyun_answers_map_to_retryable_permanent_or_dead_number(
    client: httpx.AsyncClient, phone: str, result: Result, dead: bool, code: str
) -> None:
    async with stub(Aliyun()) as gw:
        attempt = await aliyun(client, gw.url()).send(msg(phone))
    assert attempt.result is result
    assert code in attempt.detail
    assert attempt.dead_contacts == ((phone,) if dead else ())


async def test_aliyun_message_without_a_template_for_its_category_is_not_sent(
    client: httpx.AsyncClient,
) -> None:
    async with stub(Aliyun()) as gw:
        only_marketing = {"marketing": ALI_TEMPLATES["default"]}
        cfg = AliyunSmsConfig("LTAI-test", "ali-secret", "Acme", only_marketing, gw.url())
        attempt = await AliyunSmsProvider(client, cfg, "ali").send(msg())
    assert attempt.result is Result.PERMANENT
    assert "no SMS template" in attempt.detail
    assert gw.seen == []


def tencent(client: httpx.AsyncClient, url: str, refs: MemoryRefs, key: str = "tc-secret"):  # type: ignore[no-untyped-def]
    cfg = TencentSmsConfig("AKID-test", key, "1400000001", "Acme", TC_TEMPLATES, endpoint=url)
    return TencentSmsProvider(client, cfg, refs, "tc")


async def test_tencent_send_is_tc3_signed_and_remembers_the_serial_for_receipts(
    client: httpx.AsyncClient,
) -> None:
    server, refs = Tencent(), MemoryRefs()
    async with stub(server) as gw:
        attempt = await tencent(client, gw.url(), refs).send(msg())
    assert attempt.result is Result.SENT, attempt.detail
    [taken] = server.taken
    assert taken["PhoneNumberSet"] == ["+8613800000000"]
    assert taken["TemplateParamSet"] == ["Sale", "w26"]
    assert taken["SessionContext"] == "d-1"
    assert await refs.delivery("tc", "sid-1") == "d-1"


async def test_tencent_wrong_key_fails_signature_check_permanently(
    client: httpx.AsyncClient,
) -> None:
    server, refs = Tencent(), MemoryRefs()
    async with stub(server) as gw:
        attempt = await tencent(client, gw.url(), refs, key="wrong").send(msg())
    assert attempt.result is Result.PERMANENT
    assert "AuthFailure.SignatureFailure" in attempt.detail
    assert server.taken == []
    assert refs.known == {}


async def test_the_tencent_verifier_accepts_the_vendor_sdk_own_request() -> None:
    server = Tencent()
    async with stub(server) as gw:
        http = HttpProfile(endpoint=f"127.0.0.1:{gw.port}")
        http.scheme = "http"
        sdk = SmsClient(Credential("AKID-test", "tc-secret"), "ap-guangzhou",
                        ClientProfile(httpProfile=http))  # fmt: skip
        request = tc_models.SendSmsRequest()
        request.from_json_string(json.dumps({
            "PhoneNumberSet": ["+8613800000000"], "SmsSdkAppId": "1400000001",
            "SignName": "Acme", "TemplateId": "1001", "TemplateParamSet": ["a", "b"],
        }))  # fmt: skip
        answer = await asyncio.to_thread(sdk.SendSms, request)
    assert answer.SendStatusSet[0].Code == "Ok"


@pytest.mark.parametrize(
    ("phone", "result", "dead", "code"),
    [
        ("+8613900000001", Result.PERMANENT, True, "IncorrectPhoneNumber"),
        ("+8613900000002", Result.PERMANENT, False, "PhoneNumberDailyLimit"),
        ("+8613900000003", Result.RETRYABLE, False, "MarketingSendTimeConstraint"),
        ("+8613900000004", Result.RETRYABLE, False, "RequestLimitExceeded"),
        ("+8613900000005", Result.PERMANENT, False, "PhoneNumberInBlacklist"),
    ],
)
async def test_tencent_answers_map_to_retryable_permanent_or_dead_number(
    client: httpx.AsyncClient, phone: str, result: Result, dead: bool, code: str
) -> None:
    async with stub(Tencent()) as gw:
        attempt = await tencent(client, gw.url(), MemoryRefs()).send(msg(phone))
    assert attempt.result is result
    assert code in attempt.detail
    assert attempt.dead_contacts == ((phone,) if dead else ())
    if code == "MarketingSendTimeConstraint":
        assert attempt.retry_after is not None
        assert 0 < attempt.retry_after <= 24 * 3600


async def test_a_vendor_answer_past_the_byte_cap_is_not_read(client: httpx.AsyncClient) -> None:
    async with stub(lambda _s: reply(200, {"Code": "OK", "pad": "x" * 100_000})) as gw:
        attempt = await aliyun(client, gw.url()).send(msg())
    assert attempt.result is Result.RETRYABLE
    assert "answer over" in attempt.detail
