"""Alibaba Cloud OpenAPI request signatures: V3 (ACS3-HMAC-SHA256) and RPC V1 (HMAC-SHA1).

V3 is what Alibaba's documentation ("V3版本请求体&签名机制") recommends and what the
current SDK (`alibabacloud-tea-openapi`, `Utils.get_authorization`) sends by default:

    CanonicalRequest = METHOD \\n URI \\n CanonicalQuery \\n CanonicalHeaders \\n
                       SignedHeaders \\n hex(SHA256(body))
    StringToSign     = "ACS3-HMAC-SHA256" \\n hex(SHA256(CanonicalRequest))
    Authorization    = ACS3-HMAC-SHA256 Credential=<AK>,SignedHeaders=<h;h>,Signature=
                       hex(HMAC-SHA256(secret, StringToSign))

RPC V1 is the older RPC-style signature ("RPC风格签名", `Utils.get_rpcsignature`):
    StringToSign = METHOD & percent("/") & percent(sorted "k=v" pairs joined by "&")
    Signature    = base64(HMAC-SHA1(secret + "&", StringToSign)), sent as `Signature`.
Percent-encoding is RFC 3986 (space %20, `*` %2A, `~` kept), as the SDK's `quote(safe="~")`.
"""

import base64
import hashlib
import hmac
import urllib.parse
import uuid
from collections.abc import Mapping
from datetime import datetime

ACS3 = "ACS3-HMAC-SHA256"


def percent(value: str) -> str:
    return urllib.parse.quote(value, safe="~")


def canonical_query(query: Mapping[str, str]) -> str:
    return "&".join(f"{percent(k)}={percent(v)}" for k, v in sorted(query.items()))


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def acs3_authorization(
    method: str,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    body: bytes,
    access_key_id: str,
    secret: str,
) -> str:
    """The V3 Authorization header over all of `headers` (lower-case names)."""
    names = sorted(k.lower() for k in headers)
    lowered = {k.lower(): str(v).strip() for k, v in headers.items()}
    canonical_headers = "".join(f"{n}:{lowered[n]}\n" for n in names)
    signed = ";".join(names)
    request = "\n".join(
        [method, path or "/", canonical_query(query), canonical_headers, signed, sha256_hex(body)]
    )
    to_sign = f"{ACS3}\n{sha256_hex(request.encode())}"
    signature = hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    return f"{ACS3} Credential={access_key_id},SignedHeaders={signed},Signature={signature}"


def acs3_headers(
    action: str, version: str, host: str, body: bytes, now: datetime, nonce: str | None = None
) -> dict[str, str]:
    """The headers a V3 request signs (before Authorization is added)."""
    return {
        "host": host,
        "x-acs-action": action,
        "x-acs-version": version,
        "x-acs-date": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "x-acs-signature-nonce": nonce or uuid.uuid4().hex,
        "x-acs-content-sha256": sha256_hex(body),
    }


def rpc_signature(method: str, params: Mapping[str, str], secret: str) -> str:
    """The RPC V1 `Signature` of all other parameters (HMAC-SHA1, key = secret + "&")."""
    to_sign = f"{method}&{percent('/')}&{percent(canonical_query(params))}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def rpc_params(
    action: str, version: str, access_key_id: str, now: datetime, nonce: str | None = None
) -> dict[str, str]:
    """The common parameters of an RPC V1 request (to be signed with the API's own)."""
    return {
        "Action": action,
        "Version": version,
        "Format": "JSON",
        "AccessKeyId": access_key_id,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "SignatureNonce": nonce or uuid.uuid4().hex,
        "Timestamp": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def signed_request(
    endpoint: str,
    host: str,
    keys: tuple[str, str],
    signature: str,
    action: tuple[str, str],
    params: dict[str, str],
    now: datetime,
) -> tuple[str, dict[str, str], bytes]:
    """(url, headers, body) of one call: `rpc` (HMAC-SHA1 form) or V3 (ACS3 in headers).

    `keys` is (AccessKeyId, AccessKeySecret), `action` is (Action, Version)."""
    key_id, secret = keys
    if signature == "rpc":
        signed = {**rpc_params(*action, key_id, now), **params}
        signed["Signature"] = rpc_signature("POST", signed, secret)
        body = urllib.parse.urlencode(signed, quote_via=urllib.parse.quote).encode()
        return f"{endpoint}/", {"content-type": "application/x-www-form-urlencoded"}, body
    headers = acs3_headers(*action, host, b"", now)
    headers["authorization"] = acs3_authorization("POST", "/", params, headers, b"", key_id, secret)
    query = urllib.parse.urlencode(params, quote_via=urllib.parse.quote)
    return f"{endpoint}/?{query}", headers, b""
