"""Signed receipt and callback addresses: a forged or non-ASCII signature is just wrong."""

from herald.dispatcher.domain.receipts import ReceiptUrls
from herald.dispatcher.domain.sms_callbacks import CallbackUrls

SECRET = b"a-signing-secret-of-enough-length"


def test_receipt_signature_checks_never_raise_on_non_ascii() -> None:
    urls = ReceiptUrls(SECRET, "https://herald.example")
    good = urls.sig("d-1")
    assert urls.verify("d-1", good)
    assert not urls.verify("d-1", "签名")
    assert not urls.verify("d-1", good[:-1] + "é")
    assert not urls.verify("d-2", good)


def test_callback_signature_checks_never_raise_on_non_ascii() -> None:
    urls = CallbackUrls(SECRET, "https://herald.example")
    good = urls.sig("acme", "aliyun", "report")
    assert urls.verify("acme", "aliyun", "report", good)
    assert not urls.verify("acme", "aliyun", "report", "签名")
    assert not urls.verify("acme", "aliyun", "reply", good)
