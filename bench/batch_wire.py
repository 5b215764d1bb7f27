"""`batch_wire`: CPU µs per recipient of the internal topics' edges, single records
(`Send`/`Outcome`, one a recipient) beside batch records (`SendBatch`/`OutcomeBatch`):
encoding and signing on the producer's side, verifying, decoding and validating on the
consumer's. Process time, median of rounds, so a busy machine does not inflate it.

    uv run --frozen python bench/batch_wire.py [--recipients 5000] [--rounds 5]
"""

import argparse
import json
import statistics
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from aiokafka.structs import ConsumerRecord

from herald.contracts import Topic
from herald.contracts.internal import Outcome, OutcomeKind, Send
from herald.contracts.push_request import Content
from herald.runtime.batches import OUTCOMES, SENDS
from herald.runtime.packing import Limits, pack
from herald.runtime.provenance import ProducerDirectory, RecordSigner, RecordVerifier
from herald.runtime.record_keys import parse_record_keys

KEYS = parse_record_keys("k1:" + "bench-record-key-" * 3)
NOW = datetime(2026, 11, 29, tzinfo=UTC)


def sends(n: int) -> list[Send]:
    """As the scheduler releases them: one content object shared by a request's sends."""
    content = Content(title="Winter sale", body="Half price today " * 8)
    return [
        Send.model_validate(
            {
                "delivery_id": f"d-{i:08d}",
                "request_id": "bench-1",
                "tenant": "acme",
                "department": "marketing",
                "recipient_id": f"u-{i:08d}",
                "category": "marketing",
                "priority": "normal",
                "channels": ["app_push", "sms"],
                "contacts": {
                    "phone": "+8613800000000",
                    "push_tokens": [{"platform": "fcm", "token": f"tok-{i}"}],
                },
                "content": content,
                "labels": {"campaign": "winter"},
                "due_at": NOW.isoformat(),
                "trace_id": "0123456789abcdef",
            }
        )
        for i in range(n)
    ]


def outcomes(n: int) -> list[Outcome]:
    return [
        Outcome(
            delivery_id=f"d-{i:08d}",
            request_id="bench-1",
            tenant="acme",
            department="marketing",
            recipient_id=f"u-{i:08d}",
            outcome=OutcomeKind.SENT,
            channel="app_push",
            provider="log",
            at=NOW,
            trace_id="0123456789abcdef",
        )
        for i in range(n)
    ]


def cpu_us(fn: Callable[[], object], n: int, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return round(statistics.median(times) / n * 1e6, 1)


def record(topic: Topic, key: str, raw: bytes, signer: RecordSigner) -> ConsumerRecord:
    headers = signer.headers(topic, key.encode(), raw)
    return ConsumerRecord(str(topic), 0, 0, 0, 0, key.encode(), raw, None, 0, len(raw), headers)


def measure(
    topic: Topic,
    items: Sequence[Send] | Sequence[Outcome],
    unpack: Callable[[ConsumerRecord], object],
    rounds: int,
) -> dict[str, float]:
    n, model = len(items), type(items[0])
    signer, verifier = RecordSigner.herald(KEYS), RecordVerifier(KEYS, ProducerDirectory())

    def produce_single() -> None:
        for s in items:
            signer.headers(topic, s.delivery_id.encode(), s.model_dump_json().encode())

    def produce_batched() -> None:
        for key, value in pack(topic, items, Limits()):
            signer.headers(topic, key.encode(), value.raw)

    singles = [record(topic, s.delivery_id, s.model_dump_json().encode(), signer) for s in items]
    batches = [record(topic, k, v.raw, signer) for k, v in pack(topic, items, Limits())]

    def consume(records: list[ConsumerRecord], batched: bool) -> None:
        for r in records:
            verifier.verify(topic, r.key, r.value, r.headers, producers_allowed=False)
            if batched:
                unpack(r)
            else:
                model.model_validate_json(r.value)

    return {
        "produce_single": cpu_us(produce_single, n, rounds),
        "produce_batched": cpu_us(produce_batched, n, rounds),
        "consume_single": cpu_us(lambda: consume(singles, False), n, rounds),
        "consume_batched": cpu_us(lambda: consume(batches, True), n, rounds),
        "records_batched": len(batches),
    }


def main(args: argparse.Namespace) -> None:
    n, rounds = args.recipients, args.rounds
    figures = {
        str(Topic.SENDS): measure(Topic.SENDS, sends(n), SENDS, rounds),
        str(Topic.OUTCOMES): measure(Topic.OUTCOMES, outcomes(n), OUTCOMES, rounds),
    }
    at = datetime.now(UTC).isoformat(timespec="seconds")
    line = {"figure": "batch_wire", "at": at, "recipients": n, "rounds": rounds}
    print(json.dumps({**line, "us_per_recipient": figures}))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    main(parser.parse_args())
