"""Who produced a Kafka record: every record on a Herald topic carries a signature.

Two kinds of producer sign records:
- Herald's own services sign everything they publish as the producer `herald`. A topic
  only Herald writes (every internal topic, `push.status.v1`) accepts nothing else, so
  whoever merely reaches the broker cannot approve a request, lift a ban, cancel another
  tenant's request or fake a status.
- Upstream systems (the writers of `push.requests.v1`, `push.recipients.v1`,
  `push.engagement.v1`) hold a producer credential: an id and a secret, and in the
  producers file the tenant it speaks for, the topics it may write and, for submissions,
  the user and department it submits as. Its records are accepted on those topics only,
  and only for its own tenant (the consumers check the payload's tenant against it).

Headers: `x-herald-producer: <id>` and `x-herald-signature: v1=<base64url HMAC-SHA256>`.
The HMAC covers `herald-record-v1 NUL <topic> NUL <key> NUL <value>`: the topic without
any deployment prefix, the key and value as bytes (an absent one as nothing). A signature
is so bound to its topic, key and bytes. Records carry no timestamp in the signature: a
replay of the same bytes is the same record, which every consumer handles idempotently.

Herald also writes `push.recipients.v1` on a tenant's behalf (intake's recipient API):
as the producer `herald@<tenant>`, whose secret is derived from the record key like any
other, so only Herald's services can sign as it. It speaks for that tenant only and
writes that topic only, so a profile or tombstone it signs acts in its tenant exactly as
an upstream producer's would (a tombstone has no value to name a tenant in). `@` is not
allowed in an issued producer id, so no credential can be issued under such a name.

Secrets are not stored per producer: a producer's secret is derived from the
deployment's record key (`RECORD_KEYS`, `kid:secret[,kid:secret]`, the first signs,
every listed one verifies during a rotation) as HMAC(key, "producer:" + id), so the
producers file holds no secret at all.
"""

import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from herald.contracts import ID_PATTERN_RE, Topic
from herald.contracts.signing import (
    PRODUCER_HEADER,
    SIGNATURE_HEADER,
    SIGNATURE_VERSION,
    b64url,
    record_mac,
    secret_from_text,
    signature_headers,
)

HERALD = "herald"
"""The producer id of Herald's own services."""

UPSTREAM_TOPICS: frozenset[str] = frozenset({Topic.REQUESTS, Topic.RECIPIENTS, Topic.ENGAGEMENT})
"""The public topics upstream producers write; every other topic only Herald writes."""


def upstream_may_write(topic: str) -> bool:
    """Whether producers other than Herald may write `topic` (named without a prefix)."""
    return topic in UPSTREAM_TOPICS


class ProvenanceError(Exception):
    """A record whose producer cannot be established, or may not write it."""


@dataclass(frozen=True, slots=True)
class Producer:
    id: str
    tenant: str | None = None
    """None only for Herald itself, which speaks for every tenant."""
    user: str | None = None
    department: str | None = None
    topics: frozenset[str] = frozenset()

    @property
    def is_herald(self) -> bool:
        return self.id == HERALD

    def may_speak_for(self, tenant: str) -> bool:
        return self.is_herald or self.tenant == tenant


HERALD_PRODUCER = Producer(HERALD)
ACTING_FOR = HERALD + "@"
"""The prefix of the producer id Herald signs with when it writes for one tenant."""
ACTING_TOPICS: frozenset[str] = frozenset({Topic.RECIPIENTS})
"""What Herald writes on a tenant's behalf."""


def acting_for(producer_id: str) -> Producer | None:
    """Herald writing for one tenant (`herald@<tenant>`), or None for any other id."""
    if not producer_id.startswith(ACTING_FOR):
        return None
    tenant = producer_id[len(ACTING_FOR) :]
    if not ID_PATTERN_RE.match(tenant):
        return None
    return Producer(producer_id, tenant, topics=ACTING_TOPICS)


def derive_secret(record_key: bytes, producer_id: str) -> bytes:
    return hmac.new(record_key, f"producer:{producer_id}".encode(), hashlib.sha256).digest()


def secret_text(secret: bytes) -> str:
    """How a producer secret is handed out (and given back to `RecordSigner.from_text`)."""
    return b64url(secret)


class RecordSigner:
    """Signs the records one producer publishes."""

    def __init__(self, producer_id: str, secret: bytes) -> None:
        self._id = producer_id
        self._secret = secret

    @classmethod
    def from_text(cls, producer_id: str, secret: str) -> "RecordSigner":
        return cls(producer_id, secret_from_text(secret))

    @classmethod
    def herald(cls, record_keys: Mapping[str, bytes]) -> "RecordSigner":
        return cls(HERALD, derive_secret(next(iter(record_keys.values())), HERALD))

    @classmethod
    def herald_for(cls, record_keys: Mapping[str, bytes], tenant: str) -> "RecordSigner":
        """Herald writing on `tenant`'s behalf (see `acting_for`)."""
        producer_id = ACTING_FOR + tenant
        if acting_for(producer_id) is None:
            raise ValueError(f"not a tenant id: {tenant[:128]!r}")
        return cls(producer_id, derive_secret(next(iter(record_keys.values())), producer_id))

    def headers(
        self, topic: str, key: bytes | None, value: bytes | None
    ) -> list[tuple[str, bytes]]:
        return signature_headers(self._id, self._secret, topic, key, value)


def _header(headers: Iterable[tuple[str, bytes]] | None, name: str) -> str | None:
    for k, v in headers or ():
        if k == name:
            return bytes(v).decode("ascii", "replace")
    return None


class RecordVerifier:
    """Establishes the producer of a record, or refuses it with a specific reason."""

    def __init__(self, record_keys: Mapping[str, bytes], producers: "ProducerDirectory") -> None:
        if not record_keys:
            raise ValueError("at least one record key is needed")
        self._keys = list(record_keys.values())
        self._producers = producers
        self._secrets: dict[str, list[bytes]] = {}

    def _secrets_of(self, producer_id: str) -> list[bytes]:
        found = self._secrets.get(producer_id)
        if found is None:
            found = [derive_secret(k, producer_id) for k in self._keys]
            if len(self._secrets) > 10_000:
                self._secrets.clear()
            self._secrets[producer_id] = found
        return found

    def verify(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        headers: Sequence[tuple[str, bytes]] | None,
        *,
        producers_allowed: bool,
    ) -> Producer:
        """`topic` is the topic's name without a deployment prefix. `producers_allowed`:
        whether upstream producers may write this topic at all (else only Herald)."""
        producer_id = _header(headers, PRODUCER_HEADER)
        signature = _header(headers, SIGNATURE_HEADER)
        if not producer_id or not signature:
            raise ProvenanceError(
                f"unsigned record: {PRODUCER_HEADER} and {SIGNATURE_HEADER} headers are required"
            )
        producer = (
            HERALD_PRODUCER
            if producer_id == HERALD
            else acting_for(producer_id) or self._producers.get(producer_id)
        )
        if producer is None:
            raise ProvenanceError(f"unknown or revoked producer '{producer_id[:128]}'")
        if not signature.startswith(SIGNATURE_VERSION):
            raise ProvenanceError("unsupported signature version (expected v1=)")
        given = signature[len(SIGNATURE_VERSION) :].encode()
        if not any(
            hmac.compare_digest(record_mac(s, topic, key, value).encode(), given)
            for s in self._secrets_of(producer.id)
        ):
            raise ProvenanceError(f"the signature of producer '{producer.id}' does not verify")
        if not producer.is_herald:
            if not producers_allowed:
                raise ProvenanceError(f"only Herald writes {topic}; '{producer.id}' may not")
            if topic not in producer.topics:
                raise ProvenanceError(f"producer '{producer.id}' may not write {topic}")
        return producer


class ProducerDirectory:
    """The producers a deployment knows (loaded from the producers file; see
    `herald.runtime.producers`). A plain mapping here, so tests can build one."""

    def __init__(self, producers: Iterable[Producer] = ()) -> None:
        self._by_id = {p.id: p for p in producers}

    def get(self, producer_id: str) -> Producer | None:
        return self._by_id.get(producer_id)

    def replace(self, producers: Iterable[Producer]) -> None:
        self._by_id = {p.id: p for p in producers}
