"""Flash messages: signed, expiring, each purpose apart (sessions are server-side now:
tests/unit/runtime/test_websessions.py)."""

from datetime import timedelta

from tests.unit.review.builders import NOW

from herald.review.http.console.flash import Signer


def _flash(signer: Signer, message: str = "mkt-1 approved.", ttl: int = 60) -> str:
    return signer.sign("flash", {"m": message, "exp": int(NOW.timestamp()) + ttl})


def test_a_flash_round_trips_until_it_expires() -> None:
    signer = Signer("s3cret")
    token = _flash(signer)
    assert signer.verify("flash", token, NOW + timedelta(seconds=59)) == {
        "m": "mkt-1 approved.",
        "exp": int(NOW.timestamp()) + 60,
    }
    assert signer.verify("flash", token, NOW + timedelta(seconds=60)) is None


def test_a_tampered_or_foreign_token_is_refused() -> None:
    signer = Signer("s3cret")
    body, _, mac = _flash(signer).partition(".")
    assert signer.verify("flash", body[:-2] + "AA." + mac, NOW) is None
    assert signer.verify("flash", _flash(Signer("other")), NOW) is None
    assert signer.verify("flash", signer.sign("flash", {"m": "no expiry"}), NOW) is None
    assert signer.verify("flash", "garbage", NOW) is None


def test_a_token_signed_for_another_purpose_is_refused() -> None:
    signer = Signer("s3cret")
    other = signer.sign("other", {"m": "x", "exp": int(NOW.timestamp()) + 60})
    assert signer.verify("flash", other, NOW) is None
