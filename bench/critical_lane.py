"""The critical lane (issue 21, item 1): a critical single push's latency on an idle
stack, and again while a 100,000-recipient marketing push is in flight.

    python bench/critical_lane.py [--recipients 100000] [--pushes 20] [--gap-s 0.5]

Starts the stack (Tansu, Postgres, five services), loads the marketing audience (SMS,
`log` provider) and a few recipients whose only contact is a webhook to a sink in this
process. Then:

1. idle: `--pushes` transactional single pushes (one recipient each), one every
   `--gap-s`, submission (HTTP) -> the webhook at the sink;
2. busy: the marketing push to every loaded recipient is submitted; once it is
   dispatching, the same transactional pushes again while the blast's sends are
   released, dispatched and reported; beside them, a few `notification` single pushes
   (the bulk lane, on push.sends.v1 behind the blast), for comparison.

One line: p50 and p99 of each, the busy/idle ratio of the critical p50, and whether the
blast was still in flight when the last critical push arrived (it must be, or the
figure says nothing). The stack stops then, whatever the blast has left. Nothing here
is a timed assertion.
"""

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.kafka import TopicWatcher
from tests.support.sink import HttpSink

from bench.common import emit, machine
from bench.latency import HOPS, Marks, hops, quantiles, watch
from bench.pipeline import load_recipients, request, start_services
from herald.devstack.ports import free_port
from herald.devstack.stack import SERVICE_PORTS, Stack

TERMINAL = ("completed", "cancelled", "rejected", "failed")


class Pushes:
    """Single pushes over HTTP, timed from submission to the webhook's arrival."""

    def __init__(self, stack: Stack, sink: HttpSink, tag: str, hooks: int, marks: Marks) -> None:
        self._stack, self._sink, self._tag, self._hooks = stack, sink, tag, hooks
        self._marks, self._offset = marks, time.time() - time.perf_counter()
        self.rids: dict[str, list[str]] = {}
        """The pushes made, by series name."""
        self.series_name = ""
        self._n = 0
        self.lost: list[str] = []
        """Pushes not delivered within a minute."""

    async def one(self, http: httpx.AsyncClient, category: str) -> float | None:
        """Milliseconds until delivered (None: not within a minute)."""
        self._n += 1
        rid = f"cl-{category[:5]}-{self._tag}-{self._n}"
        body = request(rid, {"recipients": [f"{self._tag}-{self._n % self._hooks}"]}, "webhook")
        body["category"] = category
        started = time.perf_counter()
        self._marks.mark(rid, "submitted", started + self._offset)
        self.rids.setdefault(f"{self.series_name}:{category}", []).append(rid)
        r = await http.post(
            "/v1/requests",
            json=body,
            headers={"authorization": f"Bearer {self._stack.keys['submitter']}"},
        )
        r.raise_for_status()
        deadline = started + 60
        while time.perf_counter() < deadline:
            for got in self._sink.received:
                if got.path == "/lat" and json.loads(got.body)["request_id"] == rid:
                    self._marks.mark(rid, "delivered", got.at + self._offset)
                    return (got.at - started) * 1000
            await asyncio.sleep(0.005)
        self.lost.append(rid)
        return None

    async def series(
        self, http: httpx.AsyncClient, n: int, gap_s: float, categories: tuple[str, ...]
    ) -> dict[str, list[float]]:
        """`n` rounds, one push of each category per round, `gap_s` apart."""
        out: dict[str, list[float]] = {c: [] for c in categories}
        for _ in range(n):
            for c in categories:
                ms = await self.one(http, c)
                if ms is not None:
                    out[c].append(ms)
                await asyncio.sleep(gap_s)
        return out


def summary(values: list[float]) -> dict[str, Any]:
    return {"n": len(values), **(quantiles(values) if values else {})}


def hop_p50(marks: Marks, rids: list[str]) -> dict[str, float]:
    """Median of each hop (bench/latency.py's), over the pushes measured end to end."""
    measured = [h for r in rids if (h := hops(marks.at.get(r, {}))) is not None]
    return {h: quantiles([m[h] for m in measured])["p50"] for h in HOPS if measured}


async def main(args: argparse.Namespace) -> None:
    info = machine()
    state = Path(tempfile.mkdtemp(prefix="herald-critical-"))
    stack = Stack(
        state_dir=state,
        ports={n: free_port() for n in SERVICE_PORTS},
        broker_port=free_port(),
        log_dir=state,
        database_name=f"bench_critical_{uuid.uuid4().hex[:6]}",
        extra_env={"LOG_LEVEL": "WARNING", "MAX_PAYLOAD_BYTES": str(8 << 20)},
    )
    sink = await HttpSink().start()
    await stack.start_infrastructure()
    status: TopicWatcher | None = None
    watcher: asyncio.Task[None] | None = None
    marks = Marks()
    try:
        await start_services(stack)
        p = stack.topic_prefix
        topics = {
            p + "push.accepted.v1": "accepted",
            p + "push.approved.v1": "approved",
            p + "push.status.v1": "status",
            p + "push.sends.v1": "sends",
            p + "push.sends_critical.v1": "sends",
        }
        watcher = asyncio.create_task(watch(stack.bootstrap, topics, marks))
        status = await TopicWatcher(stack.bootstrap, stack.topic_prefix + "push.status.v1").start()
        tag, mtag = f"c{uuid.uuid4().hex[:6]}", f"m{uuid.uuid4().hex[:6]}"
        await load_recipients(stack, tag, 20, sink.url("/lat"))
        await load_recipients(stack, mtag, args.recipients, None)
        pushes = Pushes(stack, sink, tag, 20, marks)
        base = f"http://127.0.0.1:{stack.ports['intake']}"
        async with httpx.AsyncClient(base_url=base, timeout=60) as http:
            await pushes.series(http, 3, 0.2, ("transactional", "notification"))  # warm
            pushes.series_name = "idle"
            idle = await pushes.series(http, args.pushes, args.gap_s, ("transactional",))

            blast = request(f"blast-{mtag}", {"segment": {"tags_all": [mtag]}}, "sms")
            blast["category"] = "marketing"
            blast["content"] = {"title": "Herald", "body": "【Herald】Winter sale. 回T退订"}
            started = time.perf_counter()
            (await http.post("/v1/requests", json=blast, headers=_auth(stack))).raise_for_status()
            while not _said(status, blast["request_id"], ("dispatching", *TERMINAL)):
                await asyncio.sleep(0.05)
            dispatching_s = time.perf_counter() - started
            if not _said(status, blast["request_id"], ("dispatching",)):
                raise SystemExit(f"the blast did not go out: {_last(status, blast['request_id'])}")
            pushes.series_name = "busy"
            bulk_task = asyncio.create_task(
                pushes.series(http, max(1, args.pushes // 4), args.gap_s, ("notification",))
            )
            busy = await pushes.series(http, args.pushes, args.gap_s, ("transactional",))
            in_flight = not _said(status, blast["request_id"], TERMINAL)
            busy |= await bulk_task
            blast_s = time.perf_counter() - started
        idle_p50 = quantiles(idle["transactional"])["p50"]
        busy_p50 = quantiles(busy["transactional"])["p50"]
        emit(
            "critical_lane_latency_ms",
            recipients=args.recipients,
            idle=summary(idle["transactional"]),
            critical_during_blast=summary(busy["transactional"]),
            bulk_during_blast=summary(busy["notification"]),
            ratio_p50=round(busy_p50 / idle_p50, 2),
            blast_in_flight_throughout=in_flight,
            blast_dispatching_after_s=round(dispatching_s, 1),
            blast_done=_said(status, blast["request_id"], TERMINAL),
            series_done_after_s=round(blast_s, 1),
            hops_p50_ms={k: hop_p50(marks, v) for k, v in pushes.rids.items()},
            undelivered={r: _last(status, r) for r in pushes.lost},
            load_avg=os.getloadavg()[0],
            **info,
        )
    finally:
        if watcher is not None:
            watcher.cancel()
        if status is not None:
            await status.stop()
        await stack.stop()
        await sink.stop()


def _auth(stack: Stack) -> dict[str, str]:
    return {"authorization": f"Bearer {stack.keys['submitter']}"}


def _last(status: TopicWatcher, rid: str) -> str | None:
    seen = status.for_key(rid)
    return str(seen[-1].json()["status"]) if seen else None


def _said(status: TopicWatcher, rid: str, kinds: tuple[str, ...]) -> bool:
    return any(s.json()["status"] in kinds for s in status.for_key(rid))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--pushes", type=int, default=20)
    parser.add_argument("--gap-s", type=float, default=0.5)
    asyncio.run(main(parser.parse_args()))
