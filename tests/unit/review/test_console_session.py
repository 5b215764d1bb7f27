"""Console sessions: signed, expiring, never the key; CSRF tokens tied to one session."""

from datetime import timedelta

from tests.unit.review.builders import NOW

from herald.review.http.console.session import Signer
from herald.runtime.auth import Principal, Role

WHO = Principal("k-1", "acme", Role.REVIEWER, "zhang.san")


def test_a_session_round_trips_and_names_the_principal_not_the_key() -> None:
    signer = Signer("s3cret")
    token = signer.open_session(WHO, NOW, 3600)
    session = signer.session(token, NOW + timedelta(minutes=59))
    assert session is not None and session.principal == WHO
    assert "key-" not in token


def test_an_expired_session_is_refused() -> None:
    signer = Signer("s3cret")
    token = signer.open_session(WHO, NOW, 3600)
    assert signer.session(token, NOW + timedelta(seconds=3600)) is None


def test_a_tampered_or_foreign_token_is_refused() -> None:
    signer = Signer("s3cret")
    token = signer.open_session(WHO, NOW, 3600)
    body, _, mac = token.partition(".")
    forged = Signer("s3cret").sign("session", {"k": "x", "t": "acme", "r": "admin", "u": "x"})
    assert signer.session(body[:-2] + "AA." + mac, NOW) is None
    assert signer.session(Signer("other").open_session(WHO, NOW, 3600), NOW) is None
    assert signer.session(forged, NOW) is None  # no expiry: refused
    assert signer.session("garbage", NOW) is None
    assert signer.session("", NOW) is None


def test_a_token_signed_for_another_purpose_is_not_a_session() -> None:
    signer = Signer("s3cret")
    flash = signer.sign("flash", {"k": "k", "t": "acme", "r": "admin", "u": "u", "n": "n",
                                  "exp": int(NOW.timestamp()) + 60})  # fmt: skip
    assert signer.session(flash, NOW) is None


def test_csrf_tokens_belong_to_one_session() -> None:
    signer = Signer("s3cret")
    one = signer.session(signer.open_session(WHO, NOW, 3600), NOW)
    two = signer.session(signer.open_session(WHO, NOW, 3600), NOW)
    assert one is not None and two is not None
    assert signer.csrf_ok(one, signer.csrf(one))
    assert not signer.csrf_ok(one, signer.csrf(two))
    assert not signer.csrf_ok(one, "")
