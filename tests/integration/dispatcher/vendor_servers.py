"""Local stand-ins for Alibaba Cloud and Tencent Cloud SMS that check what the real APIs check.

Each recomputes the request's signature with the vendor's own SDK signer
(`alibabacloud_tea_openapi.utils.Utils`, `tencentcloud.common.sign.Sign`), refuses a
wrong one with the vendor's error, refuses stale timestamps and reused nonces, checks
the action, version and payload shape, and answers in the vendor's format. The tests
also drive each vendor's SDK against them, so the checks are the SDK's own idea of a
valid request, not ours.
"""

import hashlib
import json
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from alibabacloud_tea_openapi.utils import Utils as AliUtils
from starlette.responses import Response
from tencentcloud.common.sign import Sign

from tests.integration.dispatcher.stub import Seen, reply


@dataclass
class _AliRequest:
    pathname: str
    method: str
    query: dict[str, str]
    headers: dict[str, str]


@dataclass
class Aliyun:
    """dysmsapi 2017-05-25 SendSms, V3 or RPC V1 signatures."""

    key_id: str = "LTAI-test"
    secret: str = "ali-secret"
    templates: dict[str, set[str]] = field(default_factory=lambda: {"SMS_1": {"content"}})
    nonces: set[str] = field(default_factory=set)
    taken: list[dict[str, str]] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    special: dict[str, tuple[int, str]] = field(
        default_factory=lambda: {
            "13900000001": (200, "isv.MOBILE_NUMBER_ILLEGAL"),
            "13900000002": (200, "isv.BUSINESS_LIMIT_CONTROL"),
            "13900000003": (400, "Throttling.User"),
            "13900000004": (503, "ServiceUnavailable"),
        }
    )

    def __call__(self, seen: Seen) -> Response:
        if "authorization" in seen.headers:
            params, problem = self._v3(seen)
            action = seen.headers.get("x-acs-action", "")
        else:
            params, problem = self._rpc(seen)
            action = params.get("Action", "")
        if problem is not None:
            return problem
        self.calls.append(action)
        return self._send_batch(params) if action == "SendBatchSms" else self._send_sms(params)

    def _v3(self, seen: Seen) -> tuple[dict[str, str], Response | None]:
        query = dict(urllib.parse.parse_qsl(seen.query, keep_blank_values=True))
        auth = seen.headers["authorization"]
        parts = dict(p.split("=", 1) for p in auth.split(" ", 1)[1].split(","))
        names = parts["SignedHeaders"].split(";")
        if not {"host", "x-acs-action", "x-acs-version", "x-acs-date"} <= set(names):
            return query, _ali_error(400, "MissingSignedHeaders")
        if parts["Credential"] != self.key_id:
            return query, _ali_error(404, "InvalidAccessKeyId.NotFound")
        payload = hashlib.sha256(seen.body).hexdigest()
        if seen.headers.get("x-acs-content-sha256") != payload:
            return query, _ali_error(400, "ContentSha256Mismatch")
        req = _AliRequest("/", seen.method, query, {n: seen.headers[n] for n in names})
        expected = AliUtils.get_authorization(
            req, "ACS3-HMAC-SHA256", payload, self.key_id, self.secret
        )
        if expected != auth:
            return query, _ali_error(400, "SignatureDoesNotMatch")
        problem = self._fresh(seen.headers["x-acs-date"], seen.headers["x-acs-signature-nonce"])
        action = (seen.headers["x-acs-action"], seen.headers["x-acs-version"])
        return query, problem or _ali_action(action)

    def _rpc(self, seen: Seen) -> tuple[dict[str, str], Response | None]:
        params = dict(urllib.parse.parse_qsl(seen.query, keep_blank_values=True))
        params |= dict(urllib.parse.parse_qsl(seen.body.decode(), keep_blank_values=True))
        signature = params.pop("Signature", "")
        if params.get("AccessKeyId") != self.key_id:
            return params, _ali_error(404, "InvalidAccessKeyId.NotFound")
        if params.get("SignatureMethod") != "HMAC-SHA1" or params.get("SignatureVersion") != "1.0":
            return params, _ali_error(400, "InvalidSignatureMethod")
        if AliUtils.get_rpcsignature(params, seen.method, self.secret) != signature:
            return params, _ali_error(400, "SignatureDoesNotMatch")
        problem = self._fresh(params["Timestamp"], params["SignatureNonce"])
        action = (params.get("Action", ""), params.get("Version", ""))
        return params, problem or _ali_action(action)

    def _fresh(self, stamp: str, nonce: str) -> Response | None:
        at = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        if abs((datetime.now(UTC) - at).total_seconds()) > 900:
            return _ali_error(400, "InvalidTimeStamp.Expired")
        if nonce in self.nonces:
            return _ali_error(400, "SignatureNonceUsed")
        self.nonces.add(nonce)
        return None

    def _send_sms(self, params: dict[str, str]) -> Response:
        phone = params.get("PhoneNumbers", "")
        template = self.templates.get(params.get("TemplateCode", ""))
        if template is None:
            return _ali_error(200, "isv.SMS_TEMPLATE_ILLEGAL")
        if set(json.loads(params.get("TemplateParam") or "{}")) != template:
            return _ali_error(200, "isv.TEMPLATE_MISSING_PARAMETERS")
        if not params.get("SignName"):
            return _ali_error(200, "isv.SMS_SIGNATURE_ILLEGAL")
        if phone in self.special:
            return _ali_error(*self.special[phone])
        self.taken.append(params)
        return reply(200, {"Code": "OK", "Message": "OK", "BizId": f"biz-{len(self.taken)}",
                           "RequestId": "req-1"})  # fmt: skip

    def _send_batch(self, params: dict[str, str]) -> Response:
        """SendBatchSms: parallel JSON arrays, one answer for the whole call."""
        phones = json.loads(params.get("PhoneNumberJson") or "[]")
        signs = json.loads(params.get("SignNameJson") or "[]")
        values = json.loads(params.get("TemplateParamJson") or "[]")
        template = self.templates.get(params.get("TemplateCode", ""))
        if template is None:
            return _ali_error(200, "isv.SMS_TEMPLATE_ILLEGAL")
        if not 1 <= len(phones) <= 100 or not len(phones) == len(signs) == len(values):
            return _ali_error(200, "isv.INVALID_JSON_PARAM")
        if any(set(v) != template for v in values) or not all(signs):
            return _ali_error(200, "isv.TEMPLATE_MISSING_PARAMETERS")
        for phone in phones:
            if phone in self.special:
                return _ali_error(*self.special[phone])
        self.taken.append(params)
        return reply(200, {"Code": "OK", "Message": "OK", "BizId": f"biz-{len(self.taken)}",
                           "RequestId": "req-1"})  # fmt: skip


def _ali_error(status: int, code: str) -> Response:
    return reply(status, {"Code": code, "Message": code, "RequestId": "req-err"})


def _ali_action(action: tuple[str, str]) -> Response | None:
    if action not in (("SendSms", "2017-05-25"), ("SendBatchSms", "2017-05-25")):
        return _ali_error(400, "InvalidAction.NotFound")
    return None


TC_FIELDS = {"PhoneNumberSet", "SmsSdkAppId", "SignName", "TemplateId", "TemplateParamSet",
             "SessionContext", "ExtendCode", "SenderId"}  # fmt: skip


@dataclass
class Tencent:
    """sms 2021-01-11 SendSms, TC3-HMAC-SHA256."""

    secret_id: str = "AKID-test"
    secret_key: str = "tc-secret"
    app_id: str = "1400000001"
    taken: list[dict[str, Any]] = field(default_factory=list)
    serials: int = 0

    def __call__(self, seen: Seen) -> Response:
        problem = self._verify(seen)
        if problem is not None:
            return problem
        body = json.loads(seen.body)
        if set(body) - TC_FIELDS:
            return _tc_error("UnknownParameter")
        if body.get("SmsSdkAppId") != self.app_id:
            return _tc_error("InvalidParameterValue.SdkAppIdNotExist")
        if body.get("TemplateId") != "1001" or len(body.get("TemplateParamSet", [])) != 2:
            return _tc_error("FailedOperation.TemplateParamSetNotMatchApprovedTemplate")
        phones = body["PhoneNumberSet"]
        if not 1 <= len(phones) <= 200:
            return _tc_error("LimitExceeded.PhoneNumberCountLimit")
        codes = {
            "+8613900000001": "InvalidParameterValue.IncorrectPhoneNumber",
            "+8613900000002": "LimitExceeded.PhoneNumberDailyLimit",
            "+8613900000003": "FailedOperation.MarketingSendTimeConstraint",
            "+8613900000005": "FailedOperation.PhoneNumberInBlacklist",
        }
        if "+8613900000004" in phones:
            return _tc_error("RequestLimitExceeded")
        self.taken.append(body)
        statuses = []
        for phone in reversed(phones):  # the answer's order is not the request's
            self.serials += 1
            code = codes.get(phone, "Ok")
            statuses.append({"SerialNo": f"sid-{self.serials}", "PhoneNumber": phone, "Fee": 1,
                             "SessionContext": body.get("SessionContext", ""), "Code": code,
                             "Message": code, "IsoCode": "CN"})  # fmt: skip
        return reply(200, {"Response": {"SendStatusSet": statuses, "RequestId": "req-1"}})

    def _verify(self, seen: Seen) -> Response | None:
        h = seen.headers
        if (h.get("x-tc-action"), h.get("x-tc-version")) != ("SendSms", "2021-01-11"):
            return _tc_error("InvalidAction")
        if not h.get("x-tc-region"):
            return _tc_error("MissingParameter")
        timestamp = int(h["x-tc-timestamp"])
        if abs(time.time() - timestamp) > 300:
            return _tc_error("AuthFailure.SignatureExpire")
        auth = h.get("authorization", "")
        credential = auth.split("Credential=", 1)[1].split(",", 1)[0]
        if credential.split("/")[0] != self.secret_id:
            return _tc_error("AuthFailure.SecretIdNotFound")
        date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
        canonical = (f"POST\n/\n\ncontent-type:{h['content-type']}\nhost:{h['host']}\n\n"
                     f"content-type;host\n{hashlib.sha256(seen.body).hexdigest()}")  # fmt: skip
        to_sign = (f"TC3-HMAC-SHA256\n{timestamp}\n{date}/sms/tc3_request\n"
                   f"{hashlib.sha256(canonical.encode()).hexdigest()}")  # fmt: skip
        signature = Sign.sign_tc3(self.secret_key, date, "sms", to_sign)
        if not auth.endswith(f"Signature={signature}"):
            return _tc_error("AuthFailure.SignatureFailure")
        return None


def _tc_error(code: str) -> Response:
    return reply(200, {"Response": {"Error": {"Code": code, "Message": code}, "RequestId": "r"}})
