"""What signing and verifying cost per Kafka record, beside bare HMAC-SHA256 and beside the
JSON decoding every consumer already does per record.

Every record Herald publishes is signed once, and verified once by each consumer group
that reads it (herald.runtime.provenance). Per recipient of a request the pipeline moves
one send and one outcome (scheduler -> dispatcher -> tracker): about two signatures and
two verifications per recipient, against the ~750 µs of CPU one recipient costs the
whole pipeline on two cores (README.md, `pipeline_cpu`).

    uv run --frozen python bench/record_signing.py [--records 50000] [--bytes 700]
"""

import argparse
import hashlib
import hmac
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import emit, machine
from herald.contracts.internal import Outcome
from herald.runtime.provenance import (
    Producer,
    ProducerDirectory,
    RecordSigner,
    RecordVerifier,
    derive_secret,
)

KEYS = {"bench": b"a-record-key-for-the-benchmark-only-000000"}
TOPIC = "push.outcomes.v1"


def per_record_us(work: Callable[[int], object], n: int) -> float:
    """Best of three runs, µs per record."""
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        for i in range(n):
            work(i)
        best = min(best, time.perf_counter() - t0)
    return round(best / n * 1e6, 3)


def outcome(size: int) -> bytes:
    body = (
        '{"delivery_id":"d-0123456789abcdef01234567","request_id":"mkt-2026-11-27-0001",'
        '"tenant":"acme","department":"marketing","recipient_id":"u-1001","outcome":"delivered",'
        '"channel":"webhook","provider":"webhook","at":"2026-11-27T20:00:00+08:00","detail":"'
    )
    return (body + "x" * max(0, size - len(body) - 2) + '"}').encode()


def main(args: argparse.Namespace) -> None:
    info = machine()
    n, value = args.records, outcome(args.bytes)
    keys = [f"d-{i:024d}".encode() for i in range(1024)]
    herald = RecordSigner.herald(KEYS)
    crm = Producer("crm", "acme", "bot", "marketing", frozenset({"push.engagement.v1"}))
    verifier = RecordVerifier(KEYS, ProducerDirectory([crm]))
    crm_signer = RecordSigner("crm", derive_secret(KEYS["bench"], "crm"))
    signed = [herald.headers(TOPIC, k, value) for k in keys]
    upstream = [crm_signer.headers("push.engagement.v1", k, value) for k in keys]
    secret = derive_secret(KEYS["bench"], "herald")

    bare = per_record_us(lambda i: hmac.new(secret, value, hashlib.sha256).digest(), n)
    sign = per_record_us(lambda i: herald.headers(TOPIC, keys[i % 1024], value), n)
    verify = per_record_us(
        lambda i: verifier.verify(
            TOPIC, keys[i % 1024], value, signed[i % 1024], producers_allowed=False
        ),
        n,
    )
    verify_upstream = per_record_us(
        lambda i: verifier.verify(
            "push.engagement.v1", keys[i % 1024], value, upstream[i % 1024], producers_allowed=True
        ),
        n,
    )
    decode = per_record_us(lambda i: Outcome.model_validate_json(value), n)
    per_recipient = 2 * sign + 2 * verify
    emit(
        "record_signing",
        records=n,
        value_bytes=len(value),
        bare_hmac_us=bare,
        sign_us=sign,
        verify_us=verify,
        verify_upstream_us=verify_upstream,
        decode_json_us=decode,
        sign_vs_bare=round(sign / bare, 2),
        verify_vs_decode=round(verify / decode, 2),
        per_recipient_us=round(per_recipient, 2),
        **info,
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--bytes", type=int, default=700)
    main(parser.parse_args())
