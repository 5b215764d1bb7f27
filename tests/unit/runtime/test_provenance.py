"""Record provenance: who may write which topic, proven by a signature, not a payload."""

import pytest

from herald.runtime.provenance import (
    Producer,
    ProducerDirectory,
    ProvenanceError,
    RecordSigner,
    RecordVerifier,
    derive_secret,
    secret_text,
)

KEYS = {"k1": b"a-record-key-of-thirty-two-bytes!"}
CRM = Producer("crm", "acme", "crm-bot", "marketing", frozenset({"push.requests.v1"}))


def verifier(keys: dict[str, bytes] = KEYS) -> RecordVerifier:
    return RecordVerifier(keys, ProducerDirectory([CRM]))


def crm_signer(keys: dict[str, bytes] = KEYS) -> RecordSigner:
    secret = secret_text(derive_secret(next(iter(keys.values())), "crm"))
    return RecordSigner.from_text("crm", secret)  # what the upstream team is handed


def test_herald_signs_and_verifies_everywhere() -> None:
    headers = RecordSigner.herald(KEYS).headers("push.approved.v1", b"r-1", b"{}")
    got = verifier().verify("push.approved.v1", b"r-1", b"{}", headers, producers_allowed=False)
    assert got.is_herald
    assert got.may_speak_for("any-tenant")


def test_producer_is_accepted_on_its_topic_for_its_tenant() -> None:
    headers = crm_signer().headers("push.requests.v1", b"r-1", b'{"x":1}')
    got = verifier().verify("push.requests.v1", b"r-1", b'{"x":1}', headers, producers_allowed=True)
    assert got == CRM
    assert got.may_speak_for("acme")
    assert not got.may_speak_for("globex")


@pytest.mark.parametrize(
    ("topic", "key", "value", "why"),
    [
        ("push.requests.v1", b"r-1", b'{"x":2}', "does not verify"),  # value changed
        ("push.requests.v1", b"r-2", b'{"x":1}', "does not verify"),  # key changed
        ("push.recipients.v1", b"r-1", b'{"x":1}', "does not verify"),  # other topic
    ],
)
def test_a_changed_record_is_refused(topic: str, key: bytes, value: bytes, why: str) -> None:
    headers = crm_signer().headers("push.requests.v1", b"r-1", b'{"x":1}')
    with pytest.raises(ProvenanceError, match=why):
        verifier().verify(topic, key, value, headers, producers_allowed=True)


def test_producer_may_not_write_herald_topics_or_other_topics() -> None:
    approved = crm_signer().headers("push.approved.v1", b"r", b"{}")
    with pytest.raises(ProvenanceError, match="only Herald writes"):
        verifier().verify("push.approved.v1", b"r", b"{}", approved, producers_allowed=False)
    recipients = crm_signer().headers("push.recipients.v1", b"u", None)
    with pytest.raises(ProvenanceError, match=r"may not write push\.recipients\.v1"):
        verifier().verify("push.recipients.v1", b"u", None, recipients, producers_allowed=True)


def test_unsigned_unknown_and_forged_records_are_refused() -> None:
    v = verifier()
    with pytest.raises(ProvenanceError, match="unsigned"):
        v.verify("push.requests.v1", b"r", b"{}", [], producers_allowed=True)
    stranger = RecordSigner("stranger", b"x" * 32).headers("push.requests.v1", b"r", b"{}")
    with pytest.raises(ProvenanceError, match="unknown or revoked"):
        v.verify("push.requests.v1", b"r", b"{}", stranger, producers_allowed=True)
    guessed = RecordSigner("herald", b"guess" * 8).headers("push.approved.v1", b"r", b"{}")
    with pytest.raises(ProvenanceError, match="does not verify"):
        v.verify("push.approved.v1", b"r", b"{}", guessed, producers_allowed=False)


def test_rotation_verifies_old_and_new_keys() -> None:
    old = {"k0": b"the-old-record-key-thirty-two-bytes"}
    rotated = {"k1": KEYS["k1"], **old}
    headers = crm_signer(old).headers("push.requests.v1", b"r", b"{}")
    got = verifier(rotated).verify("push.requests.v1", b"r", b"{}", headers, producers_allowed=True)
    assert got.id == "crm"
