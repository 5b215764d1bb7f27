"""Signatures as each receiver verifies them: Herald webhook, DingTalk, Feishu/Lark."""

import base64
import hashlib
import hmac
import urllib.parse

from herald.contracts import Channel
from herald.dispatcher.domain.rendering import render
from herald.dispatcher.providers.chat import DingTalk, Feishu, dingtalk_sign, feishu_sign, shape_for
from herald.dispatcher.providers.push import fit, size
from herald.dispatcher.providers.webhook import sign
from tests.unit.dispatcher.builders import send


def test_webhook_signature_is_hmac_sha256_over_timestamp_and_body() -> None:
    body = b'{"a":1}'
    expected = hmac.new(b"k", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert sign(b"k", 1700000000, body) == f"t=1700000000,v1={expected}"


def test_dingtalk_sign_matches_its_documented_algorithm() -> None:
    secret, ts = "SEC123", 1700000000123
    digest = hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()
    assert urllib.parse.unquote_plus(dingtalk_sign(secret, ts)) == base64.b64encode(digest).decode()


def test_feishu_sign_matches_its_documented_algorithm() -> None:
    secret, ts = "abc", 1700000000
    key = f"{ts}\n{secret}".encode()
    assert (
        feishu_sign(secret, ts)
        == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    )


def test_robot_shapes_are_chosen_by_host() -> None:
    shapes = {"dingtalk": DingTalk("s"), "feishu": Feishu("s")}
    assert (
        shape_for("https://oapi.dingtalk.com/robot/send?access_token=x", shapes)
        is shapes["dingtalk"]
    )
    assert (
        shape_for("https://open.larksuite.com/open-apis/bot/v2/hook/x", shapes) is shapes["feishu"]
    )
    assert shape_for("https://hooks.example.com/x", shapes) is None


def test_dingtalk_signed_url_carries_timestamp_and_sign() -> None:
    url, body = DingTalk("s").request(
        render(send(), Channel.WEBHOOK), "https://oapi.dingtalk.com/robot/send?access_token=x"
    )
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert set(query) == {"access_token", "timestamp", "sign"}
    assert body["msgtype"] == "markdown"


def test_push_payload_is_shortened_to_fit_four_kilobytes() -> None:
    long = "冬" * 5000
    payload = fit(lambda b: {"aps": {"alert": {"body": b}}}, long)
    assert payload is not None
    assert size(payload) <= 4096
    assert payload["aps"]["alert"]["body"].endswith("…")
    assert fit(lambda b: {"x": "y" * 5000, "b": b}, "short") is None
