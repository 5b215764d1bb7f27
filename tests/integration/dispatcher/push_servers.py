"""Local stand-ins for the Android vendors' push APIs and WeChat, checking what they check.

Each issues access tokens only for the right credentials (recomputing the vendor's
signature of the auth request), refuses calls with unknown or revoked tokens with the
vendor's own code, checks the payload shape and limits, and answers with the vendor's
codes for dead tokens and rate limits. Tokens named `dead`, `busy` or `quota` in a test
trigger those answers.
"""

import base64
import hashlib
import json
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import Response

from tests.integration.dispatcher.stub import Seen, reply

SERVICE = {"IM", "ACCOUNT", "DEVICE_REMINDER", "ORDER", "TODO", "SUBSCRIPTION"}
PUBLIC = {"NEWS", "CONTENT", "MARKETING", "SOCIAL"}


@dataclass
class Tokens:
    issued: list[str] = field(default_factory=list)
    revoked: set[str] = field(default_factory=set)

    def issue(self, prefix: str) -> str:
        token = f"{prefix}-{len(self.issued) + 1}"
        self.issued.append(token)
        return token

    def valid(self, token: str) -> bool:
        return token in self.issued and token not in self.revoked


def form(seen: Seen) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(seen.body.decode(), keep_blank_values=True))


@dataclass
class Huawei:
    app_id: str = "10086"
    secret: str = "hw-secret"
    tokens: Tokens = field(default_factory=Tokens)
    sent: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, seen: Seen) -> Response:
        if seen.path.endswith("/token"):
            f = form(seen)
            if f.get("grant_type") != "client_credentials" or (
                f.get("client_id"),
                f.get("client_secret"),
            ) != (self.app_id, self.secret):
                return reply(400, {"error": 1101, "error_description": "invalid client"})
            return reply(
                200,
                {
                    "access_token": self.tokens.issue("hw"),
                    "expires_in": 3600,
                    "token_type": "Bearer",
                },
            )
        if seen.path != f"/v1/{self.app_id}/messages:send":
            return reply(404, {"code": "80100000"})
        bearer = seen.headers.get("authorization", "").removeprefix("Bearer ")
        if not self.tokens.valid(bearer):
            return reply(401, {"code": "80200003", "msg": "OAuth token expired"})
        if len(seen.body) > 4096:
            return reply(400, {"code": "80300008", "msg": "message body too large"})
        msg = json.loads(seen.body)["message"]
        note = msg["android"]["notification"]
        if not note.get("title") or not note.get("body") or not 1 <= len(msg["token"]) <= 1000:
            return reply(400, {"code": "80100003", "msg": "illegal message"})
        category = msg["android"].get("category")
        if category is not None and category not in SERVICE | PUBLIC | {
            "VOIP",
            "WORK",
            "EXPRESS",
            "FINANCE",
            "HEALTH",
            "TRAVEL",
            "MAIL",
            "PLAY_VOICE",
        }:
            return reply(400, {"code": "80100001", "msg": "bad category"})
        found = msg["token"]
        dead = [t for t in found if t.startswith("dead")]
        if len(dead) == len(found):
            return reply(200, {"code": "80300007", "msg": "All the tokens are invalid"})
        if "busy" in found:
            return reply(503, {"code": "81000001", "msg": "flow control"})
        self.sent.append(msg)
        if dead:
            counts = {"success": len(found) - len(dead), "failure": len(dead)}
            detail = json.dumps({**counts, "illegal_tokens": dead})
            return reply(200, {"code": "80100000", "msg": detail, "requestId": "r1"})
        return reply(200, {"code": "80000000", "msg": "Success", "requestId": "r1"})


@dataclass
class Xiaomi:
    secret: str = "mi-secret"
    package: str = "com.acme.app"
    sent: list[dict[str, str]] = field(default_factory=list)

    def __call__(self, seen: Seen) -> Response:
        if seen.headers.get("authorization") != f"key={self.secret}":
            return reply(401, {"result": "error", "code": 21301, "reason": "认证失败"})
        f = form(seen)
        title, body = f.get("title", ""), f.get("description", "")
        if (
            not title.strip()
            or len(title) >= 50
            or len(body) >= 128
            or f.get("pass_through") != "0"
        ):
            return reply(200, {"result": "error", "code": 10017, "reason": "invalid parameters"})
        if f.get("restricted_package_name") != self.package:
            return reply(200, {"result": "error", "code": 10013, "reason": "package mismatch"})
        regids = f["registration_id"].split(",")
        if "quota" in regids or len(regids) > 1000:
            return reply(200, {"result": "error", "code": 200002, "reason": "超过当日推送上限"})
        self.sent.append(f)
        bad = ",".join(r for r in regids if r.startswith("dead"))
        return reply(200, {"result": "ok", "code": 0, "data": {"id": "m1", "bad_regids": bad}})


@dataclass
class Oppo:
    app_key: str = "oppo-key"
    master: str = "oppo-master"
    tokens: Tokens = field(default_factory=Tokens)
    sent: list[dict[str, Any]] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)

    def __call__(self, seen: Seen) -> Response:
        f = form(seen)
        if seen.path == "/server/v1/auth":
            stamp = f.get("timestamp", "0")
            expected = hashlib.sha256(f"{self.app_key}{stamp}{self.master}".encode()).hexdigest()
            if f.get("app_key") != self.app_key or f.get("sign") != expected:
                return reply(200, {"code": 16, "message": "Invalid Signature"})
            if abs(time.time() * 1000 - int(stamp)) > 600_000:
                return reply(200, {"code": 19, "message": "Invalid Timestamp"})
            return reply(200, {"code": 0, "data": {"auth_token": self.tokens.issue("op")}})
        if not self.tokens.valid(f.get("auth_token", "")):
            return reply(200, {"code": 11, "message": "Invalid AuthToken"})
        self.calls.append(seen.path.rsplit("/", 1)[1])
        if seen.path.endswith("/unicast_batch"):
            return self._batch(json.loads(f["messages"]))
        return self._unicast(json.loads(f["message"]))

    def _batch(self, messages: list[dict[str, Any]]) -> Response:
        if not 1 <= len(messages) <= 1000:
            return reply(200, {"code": 41, "message": "Invalid Arguments"})
        if any(m["target_value"] == "busy" for m in messages):
            return reply(200, {"code": -2, "message": "Service in Flow Control"})
        data = []
        for m in reversed(messages):  # the answer's order is not the request's
            got = json.loads(self._unicast(m).body)
            entry: dict[str, Any] = {"registrationId": m["target_value"]}
            if got["code"] == 0:
                entry["messageId"] = got["data"]["messageId"]
            else:
                entry |= {"errorCode": got["code"], "errorMessage": got["message"]}
            data.append(entry)
        return reply(200, {"code": 0, "message": "Success", "data": data})

    def _unicast(self, msg: dict[str, Any]) -> Response:
        note = msg["notification"]
        if msg.get("target_type") != 2 or len(note["title"]) > 50 or len(note["content"]) > 200:
            return reply(200, {"code": 41, "message": "Invalid Arguments"})
        category = note.get("category")
        if category is not None and (
            category not in SERVICE | PUBLIC
            or (note.get("notify_level") == 2) != (category in SERVICE)
        ):
            return reply(200, {"code": 67, "message": "Category error"})
        if msg["target_value"] == "dead":
            return reply(200, {"code": 10000, "message": "Invalid Registration_id"})
        if msg["target_value"] == "busy":
            return reply(200, {"code": -2, "message": "Service in Flow Control"})
        self.sent.append(msg)
        return reply(200, {"code": 0, "message": "", "data": {"messageId": f"o{len(self.sent)}"}})


@dataclass
class Vivo:
    app_id: str = "10001"
    app_key: str = "vivo-key"
    secret: str = "vivo-secret"
    tokens: Tokens = field(default_factory=Tokens)
    sent: dict[str, dict[str, Any]] = field(default_factory=dict)
    saved: dict[str, dict[str, Any]] = field(default_factory=dict)
    listed: list[dict[str, Any]] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)

    def __call__(self, seen: Seen) -> Response:
        body = json.loads(seen.body)
        if seen.path == "/message/auth":
            text = f"{self.app_id}{self.app_key}{body.get('timestamp')}{self.secret}"
            if body.get("sign") != hashlib.md5(text.encode()).hexdigest():
                return reply(200, {"result": 10001, "desc": "sign不正确"})
            return reply(
                200, {"result": 0, "desc": "请求成功", "authToken": self.tokens.issue("vv")}
            )
        if not self.tokens.valid(seen.headers.get("authtoken", "")):
            return reply(200, {"result": 10000, "desc": "权限认证失败"})
        self.calls.append(seen.path)
        if seen.path == "/message/pushToList":
            return self._push_list(body)
        if seen.path == "/message/saveListPayload":
            body = {**body, "regId": "saved"}
        width = lambda s: sum(2 if ord(c) > 0x2E7F else 1 for c in s)  # noqa: E731
        if width(body["title"]) > 40 or width(body["content"]) > 100 or not body.get("requestId"):
            return reply(200, {"result": 10055, "desc": "参数不合法"})
        if body.get("category") is not None and body["classification"] != (
            1 if body["category"] in SERVICE else 0
        ):
            return reply(200, {"result": 10097, "desc": "category与classification不匹配"})
        if body["regId"] == "dead":
            return reply(200, {"result": 10302, "desc": "regId不存在"})
        if body["regId"] == "quota":
            return reply(200, {"result": 10070, "desc": "发送总量超出限制"})
        if seen.path == "/message/saveListPayload":
            self.saved[f"t-{body['requestId']}"] = body
            return reply(200, {"result": 0, "desc": "请求成功", "taskId": f"t-{body['requestId']}"})
        self.sent.setdefault(body["requestId"], body)  # a repeated requestId is not pushed again
        return reply(200, {"result": 0, "desc": "请求成功", "taskId": f"t-{body['requestId']}"})

    def _push_list(self, body: dict[str, Any]) -> Response:
        regs = body.get("regIds", [])
        if body.get("taskId") not in self.saved or not 2 <= len(regs) <= 1000:
            return reply(200, {"result": 10055, "desc": "参数不合法"})
        self.listed.append(body)
        invalid = [{"status": 1, "userid": r} for r in regs if r.startswith("dead")]
        return reply(200, {"result": 0, "desc": "请求成功", "taskId": body["taskId"],
                           "invalidUsers": invalid})  # fmt: skip


@dataclass
class JPush:
    app_key: str = "jp-key"
    secret: str = "jp-secret"
    sent: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, seen: Seen) -> Response:
        expected = base64.b64encode(f"{self.app_key}:{self.secret}".encode()).decode()
        if seen.headers.get("authorization") != f"Basic {expected}":
            return reply(401, {"error": {"code": 1004, "message": "Authen failed"}})
        body = json.loads(seen.body)
        ids = body.get("audience", {}).get("registration_id", [])
        if len(seen.body) > 4000 or not ids or "android" not in body.get("notification", {}):
            return reply(400, {"error": {"code": 1003, "message": "Parameter value is invalid"}})
        if all(i.startswith("dead") for i in ids):
            return reply(
                400, {"error": {"code": 1011, "message": "cannot find user by this audience"}}
            )
        if ids == ["quota"]:
            return reply(
                429,
                {"error": {"code": 2002, "message": "Rate limit exceeded"}},
                {"x-rate-limit-reset": "30"},
            )
        self.sent.append(body)
        return reply(200, {"sendno": "0", "msg_id": "54043195528"})


LIMITS = {"thing": 20, "character_string": 32, "time": 40}


@dataclass
class Wechat:
    app_id: str = "wx123"
    secret: str = "wx-secret"
    template: str = "TPL-1"
    tokens: Tokens = field(default_factory=Tokens)
    sent: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __call__(self, seen: Seen) -> Response:
        query = dict(urllib.parse.parse_qsl(seen.query))
        if seen.path == "/cgi-bin/token":
            if (query.get("grant_type"), query.get("appid"), query.get("secret")) != (
                "client_credential",
                self.app_id,
                self.secret,
            ):
                return reply(200, {"errcode": 40125, "errmsg": "invalid appsecret"})
            self.tokens.revoked.update(self.tokens.issued)  # a new token revokes the old one
            return reply(200, {"access_token": self.tokens.issue("wx"), "expires_in": 7200})
        if not self.tokens.valid(query.get("access_token", "")):
            return reply(200, {"errcode": 40001, "errmsg": "invalid credential"})
        body = json.loads(seen.body)
        if body.get("template_id") != self.template:
            return reply(200, {"errcode": 40037, "errmsg": "invalid template_id"})
        for key, value in body["data"].items():
            kind = key.rstrip("0123456789")
            if len(value["value"]) > LIMITS.get(kind, 20):
                return reply(
                    200, {"errcode": 47003, "errmsg": f"argument invalid! data.{key}.value"}
                )
        if body["touser"] == "dead":
            return reply(200, {"errcode": 43004, "errmsg": "require subscribe"})
        if body["touser"] == "quota":
            return reply(200, {"errcode": 45009, "errmsg": "reach max api daily quota limit"})
        self.sent.setdefault(body["client_msg_id"], body)
        return reply(200, {"errcode": 0, "errmsg": "ok", "msgid": 200228332})
