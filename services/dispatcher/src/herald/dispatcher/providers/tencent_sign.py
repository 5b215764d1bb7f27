"""Tencent Cloud API 3.0 request signature, TC3-HMAC-SHA256 ("签名方法 v3").

    CanonicalRequest = POST \\n / \\n "" \\n content-type:<ct>\\nhost:<host>\\n \\n
                       content-type;host \\n hex(SHA256(body))
    StringToSign     = TC3-HMAC-SHA256 \\n <timestamp> \\n <date>/<service>/tc3_request \\n
                       hex(SHA256(CanonicalRequest))
    key              = HMAC(HMAC(HMAC("TC3" + SecretKey, date), service), "tc3_request")
    Authorization    = TC3-HMAC-SHA256 Credential=<SecretId>/<date>/<service>/tc3_request,
                       SignedHeaders=content-type;host, Signature=hex(HMAC(key, StringToSign))

`date` is the UTC date of the timestamp. This is what `tencentcloud-sdk-python-common`
computes (`AbstractClient._get_tc3_signature`, `Sign.sign_tc3`) for a JSON POST.
"""

import hashlib
import hmac
from datetime import UTC, datetime

ALGORITHM = "TC3-HMAC-SHA256"
CONTENT_TYPE = "application/json"


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def tc3_authorization(
    secret_id: str, secret_key: str, service: str, host: str, body: bytes, timestamp: int
) -> str:
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    canonical = "\n".join(
        [
            "POST",
            "/",
            "",
            f"content-type:{CONTENT_TYPE}\nhost:{host}\n",
            "content-type;host",
            hashlib.sha256(body).hexdigest(),
        ]
    )
    scope = f"{date}/{service}/tc3_request"
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    to_sign = f"{ALGORITHM}\n{timestamp}\n{scope}\n{digest}"
    key = _hmac(_hmac(_hmac(f"TC3{secret_key}".encode(), date), service), "tc3_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        f"{ALGORITHM} Credential={secret_id}/{scope}, "
        f"SignedHeaders=content-type;host, Signature={signature}"
    )
