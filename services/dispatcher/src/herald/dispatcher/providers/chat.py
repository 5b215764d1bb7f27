"""Built-in shapes for chat-group robots: WeCom (企业微信), DingTalk and Feishu/Lark.

Each shape turns a message into the robot's JSON body (and, for DingTalk, a signed URL)
and reads the robot's own answer code, which arrives with HTTP 200 even on failure.

A robot's signature is made with the provider's secret, and DingTalk accepts a signed
timestamp for an hour: it goes only to the robot's own origins (`https://oapi.dingtalk.com`,
`https://open.feishu.cn`, `https://open.larksuite.com`; `origins` for tests), never to
whatever URL a recipient's profile names, even when a provider is pinned to the shape.
"""

import base64
import hashlib
import hmac
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from herald.dispatcher.providers.base import Message, Result

WECOM_RETRYABLE = frozenset({45009, -1})  # api freq out of limit; system busy
DINGTALK_RETRYABLE = frozenset({130101, -1})  # sending too fast
FEISHU_RETRYABLE = frozenset({9499, 11232})  # too many requests
DINGTALK_ORIGINS = frozenset({"https://oapi.dingtalk.com"})
FEISHU_ORIGINS = frozenset({"https://open.feishu.cn", "https://open.larksuite.com"})


def origin(url: str) -> str:
    """scheme://host[:port] of a URL, the port only when it is not the scheme's default."""
    parts = urllib.parse.urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return ""
    default = {"https": 443, "http": 80}.get(parts.scheme)
    suffix = f":{port}" if port is not None and port != default else ""
    return f"{parts.scheme}://{(parts.hostname or '').lower()}{suffix}"


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk: base64(HMAC-SHA256(key=secret, "<timestamp ms>\\n<secret>")), URL-quoted."""
    text = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), text, hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest).decode())


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu/Lark: base64(HMAC-SHA256(key="<timestamp s>\\n<secret>", empty message))."""
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def _text(message: Message) -> str:
    link = f"\n{message.url}" if message.url else ""
    return f"{message.title}\n{message.body}{link}"


def _markdown(message: Message) -> str:
    link = f"\n\n[{message.url}]({message.url})" if message.url else ""
    return f"### {message.title}\n\n{message.body}{link}"


class Shape(Protocol):
    @property
    def name(self) -> str: ...

    def request(self, message: Message, url: str) -> tuple[str, dict[str, Any]]: ...

    def result(self, answer: Any) -> tuple[Result, str]: ...


def _code_result(code: Any, retryable: frozenset[int], msg: Any) -> tuple[Result, str]:
    if code in (0, None):
        return Result.SENT, "ok"
    kind = Result.RETRYABLE if code in retryable else Result.PERMANENT
    return kind, f"code {code}: {str(msg)[:120]}"


def _errcode_result(answer: Any, retryable: frozenset[int]) -> tuple[Result, str]:
    """WeCom's and DingTalk's answer: `errcode` (0 is success) and `errmsg`."""
    body = answer if isinstance(answer, dict) else {}
    return _code_result(body.get("errcode"), retryable, body.get("errmsg"))


@dataclass(frozen=True, slots=True)
class WeCom:
    name: str = "wecom"

    def request(self, message: Message, url: str) -> tuple[str, dict[str, Any]]:
        return url, {"msgtype": "markdown", "markdown": {"content": _markdown(message)}}

    def result(self, answer: Any) -> tuple[Result, str]:
        return _errcode_result(answer, WECOM_RETRYABLE)


@dataclass(frozen=True, slots=True)
class _SigningRobot:
    """A robot that signs its webhook calls with `secret`, but only to its own `origins`:
    a secret never goes to another host."""

    secret: str | None = None
    name: str = ""
    origins: frozenset[str] = frozenset()

    def signs(self, url: str) -> bool:
        return bool(self.secret) and origin(url) in self.origins


@dataclass(frozen=True, slots=True)
class DingTalk(_SigningRobot):
    name: str = "dingtalk"
    origins: frozenset[str] = DINGTALK_ORIGINS

    def request(self, message: Message, url: str) -> tuple[str, dict[str, Any]]:
        if self.secret and self.signs(url):
            ts = int(time.time() * 1000)
            sep = "&" if "?" in url else "?"
            url = f"{url}{sep}timestamp={ts}&sign={dingtalk_sign(self.secret, ts)}"
        body = {
            "msgtype": "markdown",
            "markdown": {"title": message.title, "text": _markdown(message)},
        }
        return url, body

    def result(self, answer: Any) -> tuple[Result, str]:
        return _errcode_result(answer, DINGTALK_RETRYABLE)


@dataclass(frozen=True, slots=True)
class Feishu(_SigningRobot):
    name: str = "feishu"
    origins: frozenset[str] = FEISHU_ORIGINS

    def request(self, message: Message, url: str) -> tuple[str, dict[str, Any]]:
        body: dict[str, Any] = {"msg_type": "text", "content": {"text": _text(message)}}
        if self.secret and self.signs(url):
            ts = int(time.time())
            body = {"timestamp": str(ts), "sign": feishu_sign(self.secret, ts), **body}
        return url, body

    def result(self, answer: Any) -> tuple[Result, str]:
        body = answer if isinstance(answer, dict) else {}
        code = body.get("code", body.get("StatusCode"))
        return _code_result(code, FEISHU_RETRYABLE, body.get("msg", body.get("StatusMessage")))


ROBOT_HOSTS = {
    "qyapi.weixin.qq.com": "wecom",
    "oapi.dingtalk.com": "dingtalk",
    "open.feishu.cn": "feishu",
    "open.larksuite.com": "feishu",
}


def shape_for(url: str, shapes: Mapping[str, Shape]) -> Shape | None:
    """The built-in shape a robot URL's host calls for, if it is configured."""
    host = urllib.parse.urlsplit(url).hostname or ""
    name = ROBOT_HOSTS.get(host)
    return shapes.get(name) if name else None
