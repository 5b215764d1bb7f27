"""SMS, FCM, APNs (HTTP/2), webhooks and chat robots against local servers over real sockets."""

import base64
import hashlib
import hmac
import json
import time
import urllib.parse
from collections.abc import AsyncIterator

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from herald.contracts import Channel
from herald.dispatcher.domain.rendering import render
from herald.dispatcher.providers.apns import ApnsConfig, ApnsProvider
from herald.dispatcher.providers.base import Result
from herald.dispatcher.providers.chat import DingTalk, Feishu, WeCom
from herald.dispatcher.providers.fcm import FcmConfig, FcmProvider
from herald.dispatcher.providers.sms import SmsConfig, SmsProvider
from herald.dispatcher.providers.webhook import WebhookProvider
from tests.integration.dispatcher.stub import Seen, reply, stub
from tests.unit.dispatcher.builders import send


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5) as c:
        yield c


def msg(channel: Channel = Channel.SMS, **over: object):  # type: ignore[no-untyped-def]
    return render(send(**over), channel)


def pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


# --- SMS --------------------------------------------------------------------------------


async def test_twilio_shape_posts_a_form_with_basic_auth_and_a_receipt_url(
    client: httpx.AsyncClient,
) -> None:
    async with stub(lambda s: reply(201, {"sid": "SM1", "status": "queued"})) as gw:
        cfg = SmsConfig(
            url=gw.url("/2010-04-01/Accounts/AC1/Messages.json"),
            account="AC1",
            token="tok",
            sender="+1555",
        )
        sms = SmsProvider(
            client, cfg, lambda d: f"https://dispatch.example/v1/receipts/sms/{d}/sig"
        )
        attempt = await sms.send(msg())
    assert attempt.result is Result.SENT
    [seen] = gw.seen
    form = urllib.parse.parse_qs(seen.body.decode())
    assert form["To"] == ["+8613800000000"]
    assert form["From"] == ["+1555"]
    assert form["StatusCallback"] == ["https://dispatch.example/v1/receipts/sms/d-1/sig"]
    assert seen.headers["authorization"] == "Basic " + base64.b64encode(b"AC1:tok").decode()
    assert seen.headers["idempotency-key"] == "d-1"


@pytest.mark.parametrize(
    ("status", "body", "headers", "result", "retry_after", "dead"),
    [
        (429, {"code": 20429}, {"retry-after": "7"}, Result.RETRYABLE, 7.0, ()),
        (503, {}, {}, Result.RETRYABLE, None, ()),
        (
            400,
            {"code": 21211, "message": "Invalid 'To'"},
            {},
            Result.PERMANENT,
            None,
            ("+8613800000000",),
        ),
        (401, {"code": 20003}, {}, Result.PERMANENT, None, ()),
    ],
)
async def test_sms_gateway_errors_are_classified(
    client: httpx.AsyncClient,
    status: int,
    body: dict[str, object],
    headers: dict[str, str],
    result: Result,
    retry_after: float | None,
    dead: tuple[str, ...],
) -> None:
    async with stub(lambda s: reply(status, body, headers)) as gw:
        sms = SmsProvider(client, SmsConfig(url=gw.url("/m"), account="a", token="t"), str)
        attempt = await sms.send(msg())
    assert (attempt.result, attempt.retry_after, attempt.dead_contacts) == (
        result,
        retry_after,
        dead,
    )


async def test_custom_sms_shape_sends_the_configured_json_fields(client: httpx.AsyncClient) -> None:
    async with stub() as gw:
        cfg = SmsConfig(
            url=gw.url("/send"),
            shape="custom",
            headers={"x-api-key": "k"},
            fields={
                "mobile": "{phone}",
                "content": "{body}",
                "notify": "{receipt_url}",
                "ref": "{delivery_id}",
            },
        )
        attempt = await SmsProvider(client, cfg, lambda d: f"https://r/{d}").send(msg())
    assert attempt.result is Result.SENT
    body = json.loads(gw.seen[0].body)
    assert body["mobile"] == "+8613800000000"
    assert body["notify"] == "https://r/d-1"
    assert body["ref"] == "d-1"
    assert gw.seen[0].headers["x-api-key"] == "k"


async def test_unreachable_gateway_is_retryable(client: httpx.AsyncClient) -> None:
    from herald.devstack.ports import free_port

    sms = SmsProvider(client, SmsConfig(url=f"http://127.0.0.1:{free_port()}/m"), str)
    assert (await sms.send(msg())).result is Result.RETRYABLE


# --- FCM --------------------------------------------------------------------------------


async def test_fcm_gets_an_oauth_token_once_and_sends_v1_messages(
    client: httpx.AsyncClient,
) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def handle(s: Seen):  # type: ignore[no-untyped-def]
        if s.path == "/token":
            form = urllib.parse.parse_qs(s.body.decode())
            claims = jwt.decode(
                form["assertion"][0],
                key.public_key(),
                algorithms=["RS256"],
                audience=f"http://127.0.0.1:{fcm_port[0]}/token",
            )
            assert claims["scope"] == "https://www.googleapis.com/auth/firebase.messaging"
            assert form["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
            return reply(200, {"access_token": "ya29.x", "expires_in": 3599})
        assert s.headers["authorization"] == "Bearer ya29.x"
        token = json.loads(s.body)["message"]["token"]
        if token == "dead":
            return reply(
                404, {"error": {"status": "NOT_FOUND", "details": [{"errorCode": "UNREGISTERED"}]}}
            )
        if token == "busy":
            return reply(503, {"error": {"status": "UNAVAILABLE"}}, {"retry-after": "12"})
        return reply(200, {"name": "projects/p/messages/1"})

    fcm_port = [0]
    async with stub(handle) as server:
        fcm_port[0] = server.port
        cfg = FcmConfig(
            "p", "sa@p.iam.gserviceaccount.com", pem(key), server.url("/token"), server.url()
        )
        fcm = FcmProvider(client, cfg)
        ok = await fcm.send(msg(Channel.APP_PUSH))
        dead = await fcm.send(
            msg(
                Channel.APP_PUSH,
                contacts={"push_tokens": [{"platform": "android", "token": "dead"}]},
            )
        )
        busy = await fcm.send(
            msg(Channel.APP_PUSH, contacts={"push_tokens": [{"platform": "fcm", "token": "busy"}]})
        )
    assert ok.result is Result.SENT
    assert (dead.result, dead.dead_contacts) == (Result.PERMANENT, ("dead",))
    assert (busy.result, busy.retry_after) == (Result.RETRYABLE, 12.0)
    assert len(server.on("/token")) == 1
    sent = json.loads(server.on("messages:send")[0].body)["message"]
    assert sent["notification"]["title"] == "Sale"
    assert sent["data"]["delivery_id"] == "d-1"


# --- APNs over HTTP/2 --------------------------------------------------------------------


async def test_apns_over_http2_with_es256_token_and_dead_tokens() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    answers = {
        "good": reply(200),
        "gone": reply(410, {"reason": "Unregistered"}),
        "bad": reply(400, {"reason": "BadDeviceToken"}),
        "slow": reply(429, {"reason": "TooManyRequests"}, {"retry-after": "3"}),
    }

    def handle(s: Seen):  # type: ignore[no-untyped-def]
        token = s.headers["authorization"].removeprefix("bearer ")
        assert jwt.get_unverified_header(token)["kid"] == "KEY123"
        assert jwt.decode(token, key.public_key(), algorithms=["ES256"])["iss"] == "TEAM1"
        return answers[s.path.rsplit("/", 1)[1]]

    async with stub(handle, http2=True) as apple, httpx.AsyncClient(http1=False, http2=True) as h2:
        apns = ApnsProvider(
            h2, ApnsConfig("TEAM1", "KEY123", pem(key), "com.acme.app", apple.url())
        )

        async def to(token: str):  # type: ignore[no-untyped-def]
            return await apns.send(
                msg(
                    Channel.APP_PUSH,
                    contacts={"push_tokens": [{"platform": "ios", "token": token}]},
                )
            )

        good, gone, bad, slow = [await to(t) for t in ("good", "gone", "bad", "slow")]
    assert good.result is Result.SENT
    assert (gone.result, gone.dead_contacts) == (Result.PERMANENT, ("gone",))
    assert (bad.result, bad.dead_contacts) == (Result.PERMANENT, ("bad",))
    assert (slow.result, slow.retry_after) == (Result.RETRYABLE, 3.0)
    first = apple.seen[0]
    assert first.http_version == "2"
    assert first.headers["apns-topic"] == "com.acme.app"
    assert first.headers["apns-collapse-id"] == "d-1"
    assert json.loads(first.body)["aps"]["alert"]["title"] == "Sale"


# --- webhooks and robots -----------------------------------------------------------------


async def test_generic_webhook_signature_verifies_at_the_receiver(
    client: httpx.AsyncClient,
) -> None:
    async with stub() as hook:
        provider = WebhookProvider(client, b"hook-secret", allow_private=True)
        attempt = await provider.send(msg(Channel.WEBHOOK, contacts={"webhook": hook.url("/h")}))
    assert attempt.result is Result.DELIVERED
    seen = hook.seen[0]
    parts = dict(p.split("=", 1) for p in seen.headers["x-herald-signature"].split(","))
    mac = hmac.new(
        b"hook-secret", f"{parts['t']}.".encode() + seen.body, hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(mac, parts["v1"])
    assert abs(int(parts["t"]) - time.time()) < 60


async def test_dingtalk_robot_receives_a_signed_url_it_can_verify(
    client: httpx.AsyncClient,
) -> None:
    secret = "SECdingtalk"

    def handle(s: Seen):  # type: ignore[no-untyped-def]
        q = urllib.parse.parse_qs(s.query)
        ts = q["timestamp"][0]
        digest = hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()
        ok = (
            q["sign"][0] == base64.b64encode(digest).decode()
            and abs(int(ts) / 1000 - time.time()) < 3600
        )
        return reply(
            200, {"errcode": 0 if ok else 310000, "errmsg": "ok" if ok else "sign not match"}
        )

    async with stub(handle) as robot:
        here = frozenset({robot.url()})  # the robot's own origin, as oapi.dingtalk.com is
        provider = WebhookProvider(
            client, b"x", allow_private=True, pinned=DingTalk(secret, origins=here)
        )
        good = await provider.send(
            msg(Channel.WEBHOOK, contacts={"webhook": robot.url("/robot/send?access_token=abc")})
        )
        bad = await WebhookProvider(
            client, b"x", allow_private=True, pinned=DingTalk("wrong", origins=here)
        ).send(
            msg(Channel.WEBHOOK, contacts={"webhook": robot.url("/robot/send?access_token=abc")})
        )
    assert good.result is Result.DELIVERED
    assert bad.result is Result.PERMANENT
    assert "310000" in bad.detail
    assert json.loads(robot.seen[0].body)["markdown"]["title"] == "Sale"


async def test_feishu_robot_receives_a_sign_it_can_verify(client: httpx.AsyncClient) -> None:
    secret = "feishu-secret"

    def handle(s: Seen):  # type: ignore[no-untyped-def]
        body = json.loads(s.body)
        key = f"{body['timestamp']}\n{secret}".encode()
        expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
        ok = body["sign"] == expected and body["msg_type"] == "text"
        return reply(
            200, {"code": 0 if ok else 19021, "msg": "success" if ok else "sign match fail"}
        )

    async with stub(handle) as robot:
        attempt = await WebhookProvider(
            client,
            b"x",
            allow_private=True,
            pinned=Feishu(secret, origins=frozenset({robot.url()})),
        ).send(msg(Channel.WEBHOOK, contacts={"webhook": robot.url("/open-apis/bot/v2/hook/x")}))
    assert attempt.result is Result.DELIVERED


async def test_wecom_rate_limit_code_is_retryable(client: httpx.AsyncClient) -> None:
    codes = [45009, 0]
    async with stub(lambda s: reply(200, {"errcode": codes.pop(0), "errmsg": "x"})) as robot:
        provider = WebhookProvider(client, b"x", allow_private=True, pinned=WeCom())
        target = msg(
            Channel.WEBHOOK, contacts={"webhook": robot.url("/cgi-bin/webhook/send?key=k")}
        )
        first, second = await provider.send(target), await provider.send(target)
    assert (first.result, second.result) == (Result.RETRYABLE, Result.DELIVERED)
    assert json.loads(robot.seen[0].body)["msgtype"] == "markdown"


async def test_a_provider_that_does_not_answer_in_time_is_retryable() -> None:
    import asyncio

    async def hang(_s: Seen):  # type: ignore[no-untyped-def]
        await asyncio.sleep(1)
        return reply()

    async with stub(hang) as slow, httpx.AsyncClient(timeout=0.2) as quick:
        attempt = await WebhookProvider(quick, b"x", allow_private=True).send(
            msg(Channel.WEBHOOK, contacts={"webhook": slow.url("/h")})
        )
    assert attempt.result is Result.RETRYABLE
    assert "timeout" in attempt.detail
