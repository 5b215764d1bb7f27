"""The recipient API's bulk import (issue 18): N NDJSON rows streamed over HTTP to
intake, checked line by line and published on push.recipients.v1, beside validating and
publishing the same profiles through intake's publisher directly (no HTTP, no lines). Peak RSS of
this process (client and intake both) shows the import does not hold the rows.

    KAFKA_BOOTSTRAP_SERVERS=... DATABASE_URL=... python bench/recipient_import.py [--rows 200000]
"""

import argparse
import asyncio
import json
import os
import resource
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
from prometheus_client import CollectorRegistry

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.keys import bearer, write_keys
from tests.support.serve import serving
from tests.support.service import create_topics, new_prefix, service_env
from tests.support.signing import RECORD_KEYS

from bench.common import emit
from herald.contracts import Recipient
from herald.devstack.postgres import create_database
from herald.intake.main import create_app
from herald.intake.recipients.publisher import KafkaRecipientPublisher
from herald.intake.settings import IntakeSettings
from herald.runtime.events import KafkaEventBus
from herald.runtime.provenance import RecordSigner
from herald.runtime.record_keys import parse_record_keys


def row(i: int) -> bytes:
    return json.dumps(
        {
            "recipient_id": f"b-{i}",
            "timezone": "Asia/Shanghai",
            "contacts": {"email": f"b{i}@example.com", "phone": "+8613800000000"},
            "tags": ["vip"],
            "consent": {"marketing": True},
            "attributes": {"city": "beijing", "tier": "gold", "name": f"N{i}"},
        }
    ).encode()


async def body(n: int) -> AsyncIterator[bytes]:
    for start in range(0, n, 2000):
        yield b"".join(row(i) + b"\n" for i in range(start, min(n, start + 2000)))


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def main(rows: int, mode: str) -> None:
    kafka, admin = os.environ["KAFKA_BOOTSTRAP_SERVERS"], os.environ["DATABASE_URL"]
    os.environ["RECORD_KEYS"] = RECORD_KEYS
    prefix = new_prefix()
    await create_topics(kafka, prefix)
    db = await create_database(admin, f"bench_{uuid.uuid4().hex[:8]}")
    folder = Path(tempfile.mkdtemp())
    keys = write_keys(folder / "keys.json")
    env = service_env(kafka, db, prefix, api_keys_file=str(folder / "keys.json"))
    app = create_app(IntakeSettings(**env))
    async with serving(app) as url, httpx.AsyncClient(base_url=url, timeout=None) as http:
        before = peak_mib()
        t0 = time.perf_counter()
        r = await http.post(
            f"/v1/recipients/import?mode={mode}",
            content=body(rows),
            headers=bearer(keys[("acme", "directory")]) | {"content-type": "application/x-ndjson"},
        )
        took = time.perf_counter() - t0
        assert r.status_code == 200, r.text[:500]
        after = peak_mib()
    record_keys = parse_record_keys(RECORD_KEYS)
    signer = RecordSigner.herald(record_keys)
    registry = CollectorRegistry()
    bus = KafkaEventBus(
        kafka, client_id="bench", registry=registry, signer=signer, topic_prefix=prefix
    )
    await bus.start()
    publisher = KafkaRecipientPublisher(bus, record_keys)
    t1 = time.perf_counter()
    for start in range(0, rows, 1000):
        batch = [
            Recipient.model_validate(json.loads(row(i)) | {"tenant": "acme"})
            for i in range(start, min(rows, start + 1000))
        ]
        await publisher.upsert("acme", batch)
    bare = time.perf_counter() - t1
    await bus.stop()
    emit(
        "recipient_import",
        rows=rows,
        mode=mode,
        seconds=round(took, 2),
        rows_per_s=round(rows / took),
        bare_publish_rows_per_s=round(rows / bare),
        bytes_per_row=len(row(rows // 2)) + 1,
        peak_rss_mib_before=round(before),
        peak_rss_mib_after_import=round(after),
    )


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=200_000)
    p.add_argument("--mode", default="all_or_nothing")
    a = p.parse_args()
    asyncio.run(main(a.rows, a.mode))
