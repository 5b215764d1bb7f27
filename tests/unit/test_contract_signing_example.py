"""The signing example upstream teams copy from docs/contract.md produces records Herald
accepts (run as written, with a real credential)."""

import re
from pathlib import Path
from typing import Any

from herald.runtime.provenance import ProducerDirectory, RecordVerifier
from tests.support.signing import KEYS, PRODUCERS, credential

CONTRACT = Path(__file__).resolve().parents[2] / "docs" / "contract.md"


def example() -> str:
    text = CONTRACT.read_text(encoding="utf-8")
    section = text[text.index("**Signing, with the standard library and aiokafka**") :]
    found = re.search(r"```python\n(.*?)```", section, re.S)
    assert found, "the signing example is a python block"
    return found.group(1)


class Producer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, bytes, list[tuple[str, bytes]]]] = []

    async def send_and_wait(
        self, topic: str, value: bytes, *, key: bytes, headers: list[tuple[str, bytes]]
    ) -> None:
        self.sent.append((topic, key, value, headers))


async def test_the_documented_example_signs_records_herald_accepts() -> None:
    code = example()
    assert len([line for line in code.splitlines() if line.strip()]) <= 13, "a short example"
    given = credential("acme")
    code = code.replace('"crm"', repr(given.id)).replace(
        '"<HERALD_PRODUCER_SECRET>"', repr(given.secret)
    )
    namespace: dict[str, Any] = {}
    exec(compile(code, str(CONTRACT), "exec"), namespace)  # our own document
    producer = Producer()
    await namespace["submit"](producer, {"request_id": "r-1", "tenant": "acme"})
    [(topic, key, value, headers)] = producer.sent
    verifier = RecordVerifier(KEYS, ProducerDirectory(PRODUCERS.values()))
    got = verifier.verify(topic, key, value, headers, producers_allowed=True)
    assert got.tenant == "acme"
    tombstone = namespace["signed"]("push.recipients.v1", b"u-1", None)
    assert verifier.verify("push.recipients.v1", b"u-1", None, tombstone, producers_allowed=True)
