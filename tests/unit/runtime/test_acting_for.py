"""Herald writing push.recipients.v1 for one tenant (intake's recipient API)."""

import pytest

from herald.runtime.consumer import Rejected, admit
from herald.runtime.provenance import (
    ProducerDirectory,
    ProvenanceError,
    RecordSigner,
    RecordVerifier,
    upstream_may_write,
)

KEYS = {"k1": b"a-record-key-of-thirty-two-bytes!"}
TOPIC = "push.recipients.v1"


def verify(topic: str, key: bytes, value: bytes | None, headers: list[tuple[str, bytes]]) -> str:
    got = RecordVerifier(KEYS, ProducerDirectory()).verify(
        topic, key, value, headers, producers_allowed=upstream_may_write(topic)
    )
    return f"{got.id}/{got.tenant}"


def test_a_tombstone_herald_signs_for_a_tenant_acts_in_that_tenant_only() -> None:
    headers = RecordSigner.herald_for(KEYS, "acme").headers(TOPIC, b"u-1", None)
    assert verify(TOPIC, b"u-1", None, headers) == "herald@acme/acme"
    producer = RecordVerifier(KEYS, ProducerDirectory()).verify(
        TOPIC, b"u-1", None, headers, producers_allowed=True
    )
    assert admit(None, producer) is None  # a tombstone: its producer has a tenant


def test_herald_for_one_tenant_cannot_be_claimed_for_another() -> None:
    headers = RecordSigner.herald_for(KEYS, "acme").headers(TOPIC, b"u-1", None)
    forged = [(k, b"herald@globex" if k == "x-herald-producer" else v) for k, v in headers]
    with pytest.raises(ProvenanceError, match="does not verify"):
        verify(TOPIC, b"u-1", None, forged)


def test_herald_for_a_tenant_writes_recipients_only() -> None:
    headers = RecordSigner.herald_for(KEYS, "acme").headers("push.requests.v1", b"r", b"{}")
    with pytest.raises(ProvenanceError, match="may not write"):
        verify("push.requests.v1", b"r", b"{}", headers)


def test_a_profile_for_another_tenant_is_refused() -> None:
    from herald.contracts import Recipient

    headers = RecordSigner.herald_for(KEYS, "acme").headers(TOPIC, b"u-1", b"{}")
    producer = RecordVerifier(KEYS, ProducerDirectory()).verify(
        TOPIC, b"u-1", b"{}", headers, producers_allowed=True
    )
    with pytest.raises(Rejected):
        admit(Recipient(recipient_id="u-1", tenant="globex"), producer)


def test_no_signer_for_a_tenant_that_is_not_an_id() -> None:
    with pytest.raises(ValueError, match="not a tenant id"):
        RecordSigner.herald_for(KEYS, "acme/../x")
