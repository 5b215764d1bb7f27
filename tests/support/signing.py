"""Record signing for tests: one record key for every service under test, and one upstream
producer credential per test tenant (herald.runtime.provenance).

Services under test get RECORD_KEYS and PRODUCERS_FILE from here (tests/support/service.py,
tests/support/stack.py); whatever a test produces to a Herald topic is signed like a real
producer's record (tests/support/kafka.py), unless the test means to forge it.
"""

import json
import tempfile
from functools import cache
from pathlib import Path

from herald.contracts import Topic
from herald.devstack.keys import ProducerCredential
from herald.runtime.provenance import (
    UPSTREAM_TOPICS,
    Producer,
    ProducerDirectory,
    RecordSigner,
    RecordVerifier,
    derive_secret,
    secret_text,
)
from herald.runtime.record_keys import parse_record_keys

RECORD_KEYS = "test1:a-record-key-for-tests-only-not-secret-0001"
KEYS = parse_record_keys(RECORD_KEYS)
PRODUCERS = {
    "acme": Producer("test-acme", "acme", "li.wei", "marketing", UPSTREAM_TOPICS),
    "globex": Producer("test-globex", "globex", "wang.fang", "sales", UPSTREAM_TOPICS),
}


def herald_signer() -> RecordSigner:
    return RecordSigner.herald(KEYS)


def producer_signer(tenant: str = "acme") -> RecordSigner:
    producer = PRODUCERS[tenant]
    return RecordSigner(producer.id, derive_secret(next(iter(KEYS.values())), producer.id))


def credential(tenant: str = "acme") -> ProducerCredential:
    """The test producer's credential, as its team is handed it."""
    producer = PRODUCERS[tenant]
    secret = derive_secret(next(iter(KEYS.values())), producer.id)
    return ProducerCredential(producer.id, secret_text(secret))


def verifier() -> RecordVerifier:
    return RecordVerifier(KEYS, ProducerDirectory(PRODUCERS.values()))


def producer_entries(*producers: Producer, revoked: frozenset[str] = frozenset()) -> str:
    """A producers file's content."""
    entries = [
        {
            "id": p.id,
            "tenant": p.tenant,
            "user": p.user,
            "department": p.department,
            "topics": sorted(p.topics),
            "revoked": p.id in revoked,
        }
        for p in producers
    ]
    return json.dumps({"producers": entries}, indent=2)


@cache
def producers_file() -> str:
    """The test producers, written once per test run."""
    folder = Path(tempfile.mkdtemp(prefix="herald-producers-"))
    path = folder / "producers.json"
    path.write_text(producer_entries(*PRODUCERS.values()))
    return str(path)


def stack_env() -> dict[str, str]:
    """What a devstack Stack under test gives every service: the test key and producers."""
    return {"RECORD_KEYS": RECORD_KEYS, "PRODUCERS_FILE": producers_file()}


def base_topic(name: str) -> str:
    """The topic's name as signed: without a test prefix."""
    for topic in Topic:
        if name.endswith(topic):
            return str(topic)
    return name


def signer_for(topic: str, value: bytes | None) -> RecordSigner:
    """Herald's signer for Herald's topics; on an upstream topic the producer of the
    tenant the value names (acme when it names none, as a tombstone)."""
    if base_topic(topic) not in UPSTREAM_TOPICS:
        return herald_signer()
    try:
        tenant = json.loads(value or b"null").get("tenant")
    except (ValueError, AttributeError, RecursionError):
        tenant = None  # what the test sends need not be JSON at all
    return producer_signer(tenant if isinstance(tenant, str) and tenant in PRODUCERS else "acme")


def signed(
    topic: str, key: bytes | None, value: bytes | None, signer: RecordSigner | None = None
) -> dict[str, str]:
    """The signature headers of a record (for an in-memory broker's publish)."""
    by = signer or signer_for(topic, value)
    return {k: v.decode() for k, v in by.headers(base_topic(topic), key, value)}
