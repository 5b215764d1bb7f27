"""The critical lane (issue 21, item 1): a critical single push's latency on an idle
stack, and again while a 100,000-recipient marketing push is in flight, in one or both
topologies:

- `shared`: one scheduler and one dispatcher serve both lanes (the default deployment);
- `split`: the critical lane's scheduler and dispatcher run as processes of their own
  (`LANES=critical`, beside `LANES=bulk` ones: the devstack's
  HERALD_CRITICAL_LANE_PROCESSES, the manifests' `critical-lane` component);
- `isolated`: `split`, with the processes only the bulk lane needs (the `LANES=bulk`
  scheduler and dispatcher, the tracker) at OS niceness `--nice` (the devstack's
  HERALD_BULK_NICE): the local stand-in for the CPU a cluster gives the critical lane's
  pods (Guaranteed QoS, a PriorityClass). The broker and Postgres stay shared.

    python bench/critical_lane.py [--topology shared|split|isolated|both|all]
                                  [--recipients 100000] [--pushes 20] [--gap-s 0.5] [--nice 10]

`both` is shared and split; `all` (the default) adds isolated, so the niced figure is
always printed beside the un-niced ones from the same run.

Each topology gets its own stack (Tansu, Postgres database, services), loads the
marketing audience (SMS, `log` provider) and a few recipients whose only contact is a
webhook to a sink in this process. Then:

1. idle: `--pushes` transactional single pushes (one recipient each), one every
   `--gap-s` on a fixed schedule (each is fired at its time, whether the ones before
   have arrived or not), submission (HTTP) -> the webhook at the sink;
2. busy: the marketing push to every loaded recipient is submitted; once it is
   dispatching, the same transactional pushes on the same schedule while the blast's
   sends are released, dispatched and reported; beside them, a few `notification`
   single pushes (the bulk lane, on push.sends.v1 behind the blast), for comparison.

One JSON line per topology: p50 and p99 of each series, the busy/idle ratio of the
critical p50, the median of each hop (intake, review, plan, release, dispatch) of each
series, the CPU seconds each process spent during the busy series, how late each process's event
loop ran what was due then (`herald_event_loop_lag_seconds`), how long each lane waited
for a pooled Postgres connection (`herald_db_pool_wait_seconds`), and whether the blast
was still in flight when the last critical push arrived (it must be, or the figure says
nothing: `blast_in_flight_throughout`), and each process's niceness as read from the
OS. The blast is neither paced nor shrunk, and only `isolated` nices anything. The
stack stops then, whatever the blast has left. Nothing here is a timed assertion.
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
from prometheus_client.parser import text_string_to_metric_families

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.kafka import TopicWatcher
from tests.support.sink import HttpSink

from bench.common import emit, machine
from bench.latency import HOPS, Marks, hops, own_cpu_s, quantiles, spent, watch
from bench.latency import _mark as mark_record
from bench.pipeline import load_recipients, request, start_services
from herald.devstack.ports import free_port
from herald.devstack.stack import LANE_PROCESSES, SERVICE_PORTS, Stack

TERMINAL = ("completed", "cancelled", "rejected", "failed")
TOPOLOGIES = {
    "shared": ("shared",),
    "split": ("split",),
    "isolated": ("isolated",),
    "both": ("shared", "split"),
    "all": ("shared", "split", "isolated"),
}


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
        r = await http.post("/v1/requests", json=body, headers=_auth(self._stack))
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
        self, http: httpx.AsyncClient, n: int, gap_s: float, category: str, delay_s: float = 0
    ) -> list[float]:
        """`n` pushes of `category` on a fixed schedule: one every `gap_s` (after
        `delay_s`), each fired at its time whatever the ones before are doing."""
        loop = asyncio.get_running_loop()
        start = loop.time() + delay_s
        fired = []
        for i in range(n):
            await asyncio.sleep(max(0.0, start + i * gap_s - loop.time()))
            fired.append(asyncio.create_task(self.one(http, category)))
        return [ms for ms in await asyncio.gather(*fired) if ms is not None]


def summary(values: list[float]) -> dict[str, Any]:
    return {"n": len(values), **(quantiles(values) if values else {})}


def hop_p50(marks: Marks, rids: list[str]) -> dict[str, float]:
    """Median of each hop (bench/latency.py's), over the pushes measured end to end."""
    measured = [h for r in rids if (h := hops(marks.at.get(r, {}))) is not None]
    return {h: quantiles([m[h] for m in measured])["p50"] for h in HOPS if measured}


def mark_by_key(marks: Marks, step: str, key: bytes | None, value: bytes | None, at: float) -> None:
    """A send record is known by its key (`<request_id>:<shard>`), never decoded: the
    blast's batches are ~100 MB of JSON, and decoding them here would slow this process,
    which times the pushes and receives their webhooks."""
    if step != "sends":
        mark_record(marks, step, key, value, at)
    elif key:
        marks.mark(key.decode().rsplit(":", 1)[0], "sent", at)


def new_stack(split: bool, bulk_nice: int) -> Stack:
    state = Path(tempfile.mkdtemp(prefix="herald-critical-"))
    names = [*SERVICE_PORTS, *(LANE_PROCESSES if split else ())]
    return Stack(
        state_dir=state,
        ports={n: free_port() for n in names},
        broker_port=free_port(),
        log_dir=state,
        database_name=f"bench_critical_{uuid.uuid4().hex[:6]}",
        extra_env={"LOG_LEVEL": "WARNING", "MAX_PAYLOAD_BYTES": str(8 << 20)},
        critical_lane_processes=split,
        bulk_nice=bulk_nice,
    )


async def measure(args: argparse.Namespace, topology: str) -> dict[str, Any]:
    split = topology in ("split", "isolated")
    stack = new_stack(split, args.nice if topology == "isolated" else 0)
    sink = await HttpSink().start()
    await stack.start_infrastructure()
    status: TopicWatcher | None = None
    watcher: asyncio.Task[None] | None = None
    marks = Marks()
    try:
        await start_services(stack, timeout_s=600)  # niced ones start slowly on a loaded machine
        p = stack.topic_prefix
        topics = {
            p + "push.accepted.v1": "accepted",
            p + "push.approved.v1": "approved",
            p + "push.status.v1": "status",
            p + "push.sends.v1": "sends",
            p + "push.sends_critical.v1": "sends",
        }
        watcher = asyncio.create_task(watch(stack.bootstrap, topics, marks, mark_by_key))
        status = await TopicWatcher(stack.bootstrap, stack.topic_prefix + "push.status.v1").start()
        tag, mtag = f"c{uuid.uuid4().hex[:6]}", f"m{uuid.uuid4().hex[:6]}"
        await load_recipients(stack, tag, 20, sink.url("/lat"))
        await load_recipients(stack, mtag, args.recipients, None)
        pushes = Pushes(stack, sink, tag, 20, marks)
        base = f"http://127.0.0.1:{stack.ports['intake']}"
        gap, n = args.gap_s, args.pushes
        async with httpx.AsyncClient(base_url=base, timeout=60) as http:
            pushes.series_name = "warm"
            for category in ("transactional", "notification"):  # warm
                await pushes.series(http, 3, 0.2, category)
            pushes.series_name = "idle"
            idle = await pushes.series(http, n, gap, "transactional")

            blast = request(f"blast-{mtag}", {"segment": {"tags_all": [mtag]}}, "sms")
            blast["category"] = "marketing"
            blast["content"] = {"title": "Herald", "body": "【Herald】Winter sale. 回T退订"}
            started = time.perf_counter()
            (await http.post("/v1/requests", json=blast, headers=_auth(stack))).raise_for_status()
            while not _said(status, blast["request_id"], ("dispatching", *TERMINAL)):
                if time.perf_counter() - started > args.blast_wait_s:
                    return {  # nothing to measure under: say so, and why, and go on
                        "topology": topology,
                        "idle": summary(idle),
                        "blast_not_dispatching_after_s": args.blast_wait_s,
                        "blast_status": _last(status, blast["request_id"]),
                        "cpu_s": {k: round(v, 2) for k, v in own_cpu_s(stack).items()},
                        "nice": _niceness(stack),
                        "load_avg": [round(x, 2) for x in os.getloadavg()],
                    }
                await asyncio.sleep(0.05)
            dispatching_s = time.perf_counter() - started
            if not _said(status, blast["request_id"], ("dispatching",)):
                raise SystemExit(f"the blast did not go out: {_last(status, blast['request_id'])}")
            pushes.series_name = "busy"
            lag_before, waits_before = await loop_lag(stack), await pool_waits(stack)
            cpu_before, series_started = own_cpu_s(stack), time.perf_counter()
            bulk = pushes.series(http, max(1, n // 4), gap * 4, "notification", gap / 2)
            busy, bulk_ms = await asyncio.gather(pushes.series(http, n, gap, "transactional"), bulk)
            in_flight = not _said(status, blast["request_id"], TERMINAL)
            cpu = spent(cpu_before, own_cpu_s(stack))
            lag = lag_spent(lag_before, await loop_lag(stack))
            waits = lag_spent(waits_before, await pool_waits(stack))
            series_s = time.perf_counter() - series_started
        idle_p50 = quantiles(idle)["p50"] if idle else None
        busy_p50 = quantiles(busy)["p50"] if busy else None
        return {
            "topology": topology,
            "recipients": args.recipients,
            "pushes": n,
            "gap_s": gap,
            "idle": summary(idle),
            "critical_during_blast": summary(busy),
            "bulk_during_blast": summary(bulk_ms),
            # a median of the pushes that arrived hides the ones that did not: no ratio then
            "ratio_p50": (
                round(busy_p50 / idle_p50, 2)
                if idle_p50 and busy_p50 and len(busy) == n and len(idle) == n
                else None
            ),
            "blast_in_flight_throughout": in_flight,
            "blast_dispatching_after_s": round(dispatching_s, 1),
            "busy_series_s": round(series_s, 1),
            "hops_p50_ms": {
                k: hop_p50(marks, v) for k, v in pushes.rids.items() if not k.startswith("warm")
            },
            "busy_cpu_s": {k: round(v, 2) for k, v in cpu.items()},
            "busy_loop_lag": lag,
            # same shape: mean wait for a pooled connection, waits over 100 ms, waits
            "busy_pool_wait": {k: v for k, v in waits.items() if v["wakeups"]},
            "undelivered": {r: _last(status, r) for r in pushes.lost},
            "nice": _niceness(stack),
            "load_avg": [round(x, 2) for x in os.getloadavg()],
        }
    finally:
        if watcher is not None:
            watcher.cancel()
        if status is not None:
            await status.stop()
        await stack.stop()
        await sink.stop()


async def main(args: argparse.Namespace) -> None:
    info = machine()
    for topology in TOPOLOGIES[args.topology]:
        emit("critical_lane_latency_ms", **await measure(args, topology), **info)


async def loop_lag(stack: Stack) -> dict[str, tuple[float, float, float]]:
    """Each process's `herald_event_loop_lag_seconds` so far: wake-ups, their summed
    lateness, and how many were more than 100 ms late."""
    got = {}
    async with httpx.AsyncClient(timeout=30) as http:
        for name, port in stack.ports.items():
            text = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
            s = {
                (x.name, x.labels.get("le")): x.value
                for f in text_string_to_metric_families(text)
                if f.name == "herald_event_loop_lag_seconds"
                for x in f.samples
            }
            count = s.get(("herald_event_loop_lag_seconds_count", None), 0.0)
            within = s.get(("herald_event_loop_lag_seconds_bucket", "0.1"), 0.0)
            got[name] = (
                count,
                s.get(("herald_event_loop_lag_seconds_sum", None), 0.0),
                count - within,
            )
    return got


async def pool_waits(stack: Stack) -> dict[str, tuple[float, float, float]]:
    """Each process's `herald_db_pool_wait_seconds` so far, per lane (`name:lane`): waits,
    their summed time, and how many were over 100 ms."""
    got: dict[str, tuple[float, float, float]] = {}
    async with httpx.AsyncClient(timeout=30) as http:
        for name, port in stack.ports.items():
            text = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
            by: dict[str, dict[str, float]] = {}
            for f in text_string_to_metric_families(text):
                if f.name != "herald_db_pool_wait_seconds":
                    continue
                for x in f.samples:
                    lane = by.setdefault(x.labels["lane"], {})
                    if x.name.endswith("_count"):
                        lane["count"] = x.value
                    elif x.name.endswith("_sum"):
                        lane["sum"] = x.value
                    elif x.labels.get("le") == "0.1":
                        lane["within"] = x.value
            for lane, v in by.items():
                count = v.get("count", 0.0)
                got[f"{name}:{lane}"] = (count, v.get("sum", 0.0), count - v.get("within", 0.0))
    return got


def lag_spent(
    before: dict[str, tuple[float, float, float]], after: dict[str, tuple[float, float, float]]
) -> dict[str, dict[str, float]]:
    """Per process, over the busy series: mean lateness of a wake-up (ms) and wake-ups
    more than 100 ms late (the loop was held, or the process got no CPU)."""
    out = {}
    for name, (count, total, late) in after.items():
        c0, t0, l0 = before.get(name, (0.0, 0.0, 0.0))
        n = count - c0
        out[name] = {
            "mean_ms": round((total - t0) / n * 1000, 1) if n else 0.0,
            "over_100ms": int(late - l0),
            "wakeups": int(n),
        }
    return out


def _niceness(stack: Stack) -> dict[str, int]:
    """Each service process's niceness, read from the OS (not from the settings)."""
    return {
        name: os.getpriority(os.PRIO_PROCESS, p.process.pid)
        for name, p in stack.services.items()
        if p.process and p.process.returncode is None
    }


def _auth(stack: Stack) -> dict[str, str]:
    return {"authorization": f"Bearer {stack.keys['submitter']}"}


def _last(status: TopicWatcher, rid: str) -> str | None:
    seen = status.for_key(rid)
    return str(seen[-1].json()["status"]) if seen else None


def _said(status: TopicWatcher, rid: str, kinds: tuple[str, ...]) -> bool:
    return any(s.json()["status"] in kinds for s in status.for_key(rid))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--topology", choices=sorted(TOPOLOGIES), default="all")
    parser.add_argument("--nice", type=int, default=10, help="niceness of bulk-only processes")
    parser.add_argument(
        "--blast-wait-s", type=float, default=900, help="give up if the blast is not out by then"
    )
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--pushes", type=int, default=20)
    parser.add_argument("--gap-s", type=float, default=0.5)
    asyncio.run(main(parser.parse_args()))
