"""Resilience under load (issue 9): nothing lost, nothing doubled.

The whole stack runs as real processes. While requests keep arriving, each service in
turn is killed with SIGKILL and restarted (the dispatcher twice); then the ledger must
hold exactly one outcome per recipient and every request exactly one kind of terminal
status. The webhook sink counts the raw repeats a crash can cause (a call made before
the crash whose outcome was not yet recorded), which must stay within what was in
flight. Also: Postgres restarted under load, a provider failing 30% of calls, a
provider timing out.

`make test` runs a small version; `make chaos` (HERALD_CHAOS=full) a larger one.
Phases are measured in requests the load got through, and a restarted service is waited
for until its /readyz says ready, never for a fixed time.
"""

import asyncio
import hashlib
import json
import os
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
import pytest

from herald.contracts import TERMINAL_STATUSES
from herald.devstack.ports import free_port
from herald.devstack.postgres import LocalPostgres, create_database
from herald.devstack.stack import SERVICE_PORTS, Stack
from herald.runtime.topics import ensure_topics
from tests.support.kafka import TopicWatcher, jbytes, produce
from tests.support.signing import stack_env
from tests.support.sink import HttpSink, Received
from tests.support.stack import add_key, directory_has
from tests.support.waiting import eventually, while_progressing

pytestmark = pytest.mark.e2e
FULL = os.environ.get("HERALD_CHAOS") == "full"
RECIPIENTS = 400 if FULL else 60
PER_REQUEST = 20 if FULL else 6
RATE = 8.0 if FULL else 4.0  # requests per second while the kills happen
MAX_IN_FLIGHT = 50
RESULTS = os.environ.get("HERALD_CHAOS_RESULTS")
"""`make chaos` appends one JSON line per scenario here (bench/results/...-chaos.jsonl)."""


def record(scenario: str, result: dict[str, Any]) -> None:
    line = {"figure": "chaos", "scenario": scenario, "full": FULL, **result}
    print(line)
    if RESULTS:
        with open(RESULTS, "a", encoding="utf-8") as out:
            out.write(json.dumps(line) + "\n")


@dataclass
class Chaos:
    stack: Stack
    sink: HttpSink
    postgres: LocalPostgres
    status: TopicWatcher
    tag: str
    submitted: list[tuple[str, int]] = field(default_factory=list)
    failing: float = 0.0
    slow: float = 0.0
    in_flight_at_kills: list[int] = field(default_factory=list)
    retried: set[str] = field(default_factory=set)
    """Requests the load client sent again after a failed attempt (a timeout can hide
    an acceptance: the retry is then a resubmission, answered `duplicate`)."""
    refused: int = 0
    """Attempts intake did not accept (down, or unable to store)."""

    async def answer(self, got: Received) -> int:
        """Deterministic trouble by delivery id: some fail (500), some hang past the timeout."""
        digest = hashlib.sha256(got.headers.get("x-herald-delivery-id", "").encode()).digest()
        roll = digest[0] / 255
        attempt = sum(
            1
            for r in self.sink.received
            if r.headers.get("x-herald-delivery-id") == got.headers.get("x-herald-delivery-id")
        )
        if roll < self.slow and attempt == 1:
            await asyncio.sleep(3)
        if roll < self.failing and attempt == 1:
            return 500
        return 200


def recipient(rid: str, tag: str, hook: str) -> bytes:
    return jbytes(
        {
            "recipient_id": rid,
            "tenant": "acme",
            "contacts": {"webhook": hook},
            "tags": [tag],
            "consent": {"marketing": True},
        }
    )


def request(rid: str, recipients: list[str]) -> dict[str, Any]:
    return {
        "request_id": rid,
        "tenant": "acme",
        "requester": {"department": "operations", "user": "chaos"},
        "goal": "resilience",
        "category": "notification",
        "channels": ["webhook"],
        "content": {"title": "Herald chaos", "body": "Nothing lost, nothing doubled."},
        "audience": {"recipients": recipients},
    }


@pytest.fixture(scope="module")
async def chaos(kafka: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Chaos]:
    state = tmp_path_factory.mktemp("chaos")
    postgres = await LocalPostgres().start()  # its own, so that it can be restarted
    stack = Stack(
        state_dir=state,
        ports={n: free_port() for n in SERVICE_PORTS},
        log_dir=state,
        database_name="chaos",
        topic_prefix=f"chaos{uuid.uuid4().hex[:6]}.",
        extra_env={
            "PROVIDER_TIMEOUT_S": "1",
            "BACKOFF_BASE_S": "0.2",
            "BACKOFF_MAX_S": "1",
            "MAX_ATTEMPTS": "6",
            "RETRY_POLL_S": "0.2",
            "BREAKER_FAILURES": "1000",
            "MAX_IN_FLIGHT": str(MAX_IN_FLIGHT),
            "LOG_LEVEL": "WARNING",
            **stack_env(),
        },
    )
    stack.bootstrap = kafka
    await ensure_topics(kafka, prefix=stack.topic_prefix)
    stack.database_url = await create_database(postgres.admin_url, stack.database_name)
    from herald.devstack.keys import ensure_dev_keys

    stack.keys = ensure_dev_keys(state, stack.tenant)
    add_key(stack, "chaos", "submitter", "chaos", "operations")  # the requests' requester
    sink = HttpSink()
    tag = f"c{uuid.uuid4().hex[:6]}"
    c = Chaos(stack, sink, postgres, None, tag)  # type: ignore[arg-type]
    sink.respond = c.answer
    await sink.start()
    await stack.start_services()
    c.status = await TopicWatcher(kafka, stack.topic_prefix + "push.status.v1").start()
    await produce(
        kafka,
        stack.topic_prefix + "push.recipients.v1",
        [
            (f"{tag}-{i}", recipient(f"{tag}-{i}", tag, sink.url("/hook")))
            for i in range(RECIPIENTS)
        ],
    )
    await directory_has(stack, *(f"{tag}-{i}" for i in range(RECIPIENTS)))
    try:
        yield c
    finally:
        await c.status.stop()
        await stack.stop()
        await sink.stop()
        await postgres.stop()
        print(f"chaos logs: {state}")


async def steady_load(c: Chaos, name: str, stop: asyncio.Event) -> None:
    i = 0
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{c.stack.ports['intake']}", timeout=5
    ) as http:
        started = time.monotonic()
        while not stop.is_set():
            rid = f"{name}-{c.tag}-{i}"
            first = (i * PER_REQUEST) % RECIPIENTS
            users = [f"{c.tag}-{(first + k) % RECIPIENTS}" for k in range(PER_REQUEST)]
            body = json.dumps(request(rid, users)).encode()
            for attempt in range(100):  # intake may be down: keep trying, as a client would
                if attempt:
                    c.retried.add(rid)
                try:
                    r = await http.post(
                        "/v1/requests",
                        content=body,
                        headers={
                            "authorization": f"Bearer {c.stack.keys['chaos']}",
                            "content-type": "application/json",
                        },
                    )
                    if r.status_code in (200, 202):
                        break
                except httpx.TransportError:
                    pass
                c.refused += 1
                await asyncio.sleep(0.3)
            c.submitted.append((rid, PER_REQUEST))
            i += 1
            await asyncio.sleep(max(0.0, started + i / RATE - time.monotonic()))


async def load_gets_through(c: Chaos, requests: float) -> None:
    """Wait until the load has put this many more requests through intake."""
    target = len(c.submitted) + int(requests)
    await eventually(lambda: len(c.submitted) >= target, timeout=120, interval=0.1, what="the load")


async def readiness(c: Chaos, name: str) -> bool:
    """The service's own /readyz: consumers and producer up, Postgres answering."""
    try:
        async with httpx.AsyncClient(timeout=3) as http:
            answer = await http.get(f"http://127.0.0.1:{c.stack.ports[name]}/readyz")
    except httpx.TransportError:
        return False
    return answer.status_code == 200


async def all_ready(c: Chaos, *names: str) -> None:
    async def every() -> bool:
        return all([await readiness(c, n) for n in names or c.stack.services])

    await eventually(every, timeout=120, interval=0.2, what=f"{names or 'every service'} ready")


async def check_ledger(c: Chaos, name: str) -> dict[str, Any]:
    """Every request ends, once; every recipient has exactly one outcome."""
    mine = [(rid, n) for rid, n in c.submitted if rid.startswith(f"{name}-")]

    def ends(rid: str) -> set[str]:
        """Terminal statuses of the submission itself: a `duplicate` describes a
        resubmission (docs/contract.md) and is not the original's end."""
        kinds = {s.json()["status"] for s in c.status.for_key(rid)}
        return kinds & set(TERMINAL_STATUSES) - {"duplicate"}

    def unfinished() -> list[str]:
        return [rid for rid, _ in mine if not ends(rid)]

    try:
        await while_progressing(lambda: len(unfinished()), stall=60, what=f"{name} requests to end")
    except AssertionError as exc:
        late = {rid: [s.json()["status"] for s in c.status.for_key(rid)] for rid in unfinished()}
        raise AssertionError(f"{exc}; e.g. {list(late.items())[:5]}") from exc
    for rid, _ in mine:
        assert ends(rid) == {"completed"}, (rid, ends(rid))
        if any(s.json()["status"] == "duplicate" for s in c.status.for_key(rid)):
            assert rid in c.retried, f"{rid}: a duplicate status, but it was submitted once"
    conn = await asyncpg.connect(c.stack.database_url)
    try:
        rows = await conn.fetch(
            "SELECT request_id, count(*) AS n, count(DISTINCT recipient_id) AS people "
            "FROM tracker.outcomes WHERE request_id = ANY($1::text[]) GROUP BY request_id",
            [rid for rid, _ in mine],
        )
        ids = {
            r["delivery_id"]
            for r in await conn.fetch(
                "SELECT delivery_id FROM tracker.outcomes WHERE request_id = ANY($1::text[])",
                [rid for rid, _ in mine],
            )
        }
    finally:
        await conn.close()
    got = {r["request_id"]: (r["n"], r["people"]) for r in rows}
    for rid, n in mine:
        assert got.get(rid) == (n, n), (rid, got.get(rid), n)
    calls = [r for r in c.sink.received if r.headers.get("x-herald-delivery-id") in ids]
    # a raw repeat: a delivery the sink accepted more than once (a retry of a call the
    # sink refused is not one: the receiver never took it)
    accepted = Counter(r.headers["x-herald-delivery-id"] for r in calls if r.answered < 300)
    return {
        "requests": len(mine),
        "outcomes": sum(n for n, _ in got.values()),
        "calls": len(calls),
        "raw_repeats": sum(v - 1 for v in accepted.values() if v > 1),
        "client_retries": sum(1 for rid, _ in mine if rid in c.retried),
    }


async def in_flight(c: Chaos) -> int:
    """Calls the sink has seen whose outcome the dispatcher has not recorded: the only
    sends a restarted dispatcher can call again (measured just after a kill)."""
    seen = {r.headers.get("x-herald-delivery-id") for r in c.sink.received} - {None}
    conn = await asyncpg.connect(c.stack.database_url)
    try:
        recorded = await conn.fetchval(
            "SELECT count(*) FROM dispatcher.deliveries "
            "WHERE delivery_id = ANY($1::text[]) AND outcome IS NOT NULL",
            list(seen),
        )
    finally:
        await conn.close()
    return len(seen) - int(recorded)


async def test_kill_each_service_under_load_loses_and_doubles_nothing(chaos: Chaos) -> None:
    stop = asyncio.Event()
    load = asyncio.create_task(steady_load(chaos, "kill", stop))
    await load_gets_through(chaos, 3 * RATE)
    ready_after: list[float] = []
    for name in ("intake", "review", "scheduler", "dispatcher", "tracker", "dispatcher"):
        chaos.stack.services[name].kill()
        await chaos.stack.services[name].process.wait()  # type: ignore[union-attr]
        if name == "dispatcher":
            chaos.in_flight_at_kills.append(await in_flight(chaos))
        killed = time.monotonic()
        await chaos.stack.restart(name)
        await all_ready(chaos, name)
        ready_after.append(round(time.monotonic() - killed, 1))
        await load_gets_through(chaos, (2 if FULL else 1) * RATE)
    stop.set()
    await load
    before = len(chaos.sink.received)
    result = await check_ledger(chaos, "kill")
    bound = sum(chaos.in_flight_at_kills)
    record(
        "kill -9 each service",
        {**result, "in_flight_at_dispatcher_kills": bound, "ready_after_kill_s": ready_after},
    )
    assert before > 0
    # a repeat is a call made before a kill whose outcome was not recorded yet: the
    # dispatcher records what finished every FLUSH_S, so only the calls in flight at a
    # kill (called, not recorded) can be made again
    assert result["raw_repeats"] <= bound, (result, chaos.in_flight_at_kills)


async def test_postgres_restart_under_load(chaos: Chaos) -> None:
    stop = asyncio.Event()
    load = asyncio.create_task(steady_load(chaos, "pg", stop))
    await load_gets_through(chaos, 3 * RATE)
    await chaos.postgres.pause()
    refused = chaos.refused

    async def noticed() -> bool:
        return not any([await readiness(chaos, n) for n in chaos.stack.services])

    # down until every service has noticed and the load has been refused a while
    await eventually(noticed, timeout=60, what="every service to report Postgres down")
    await eventually(lambda: chaos.refused >= refused + 5, timeout=60, what="refused load")
    await chaos.postgres.resume()
    await all_ready(chaos)
    await load_gets_through(chaos, 3 * RATE)
    stop.set()
    await load
    record("postgres restart", await check_ledger(chaos, "pg"))


async def test_provider_failing_30_percent_and_timing_out(chaos: Chaos) -> None:
    chaos.failing, chaos.slow = 0.3, 0.1
    try:
        stop = asyncio.Event()
        load = asyncio.create_task(steady_load(chaos, "flaky", stop))
        await load_gets_through(chaos, 6 * RATE)
        stop.set()
        await load
        result = await check_ledger(chaos, "flaky")
    finally:
        chaos.failing = chaos.slow = 0.0
    record("provider 30% failing, 10% timing out", result)
