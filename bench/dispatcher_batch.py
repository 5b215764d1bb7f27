"""The dispatcher's own CPU per send: a batch through `Dispatcher.dispatch`, nothing else.

    uv run --frozen python bench/dispatcher_batch.py [--sends N] [--batch B] [--profile F]

The real Dispatcher, Deliverer, Registry, final check and metrics, on the `log` provider
(SMS, the pipeline bench's text; and a personalised text with a tracked link) and on the
webhook provider against bench/fast_sink.py, beside bare httpx posting as many requests
at the same concurrency (bench/pipeline.py's `bare_http`). The ledger, views and event
bus are in-memory (Postgres and Kafka are other figures), the bus encoding every outcome
as the real one does. Prints one JSON line per case: CPU microseconds per send (process
time of this process; the sink runs in its own), best of `--rounds`. `--profile F`
writes a cProfile of the last round of each case to `F.<case>.prof` (pstats).
"""

import argparse
import asyncio
import cProfile
import json
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import structlog
from prometheus_client import CollectorRegistry

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import emit
from bench.fast_sink import FastSink
from bench.pipeline import bare_http
from herald.contracts.internal import Outcome, Send
from herald.dispatcher.delivery import Deliverer, Policy
from herald.dispatcher.dispatching import Dispatcher
from herald.dispatcher.domain.consent import ConsentRow
from herald.dispatcher.domain.final_check import FinalCheck
from herald.dispatcher.domain.lanes import Lane
from herald.dispatcher.domain.links import TrackingLinks
from herald.dispatcher.domain.outcomes import Later, Progress
from herald.dispatcher.metrics import DispatcherMetrics
from herald.dispatcher.ports import Claim
from herald.dispatcher.routing.builders import Parts
from herald.dispatcher.routing.config import ProvidersConfig
from herald.dispatcher.routing.registry import Registry
from herald.runtime.events import encode
from herald.runtime.links import LinkSigner
from herald.runtime.packing import BatchPublishing, Encoded, Limits

NOW = datetime.now(UTC)
PLAIN = {"title": "Herald benchmark", "body": "【Herald】Measuring the pipeline."}
LINKED = {
    "title": "{{ recipient.id }}, winter sale",
    "body": "{{ labels.campaign | upper }}: members save 50% https://shop.example.com/winter",
}


class Ledger:
    def __init__(self) -> None:
        self.parked = 0

    async def claim(self, sends: Sequence[Send]) -> dict[str, Claim]:
        return {}

    async def finish(self, outcomes: Sequence[Outcome]) -> None:
        return None

    async def park(self, later: Sequence[Later]) -> None:
        self.parked += len(later)

    async def due(
        self, now: datetime, limit: int, lease: timedelta, lanes: Sequence[Lane]
    ) -> list[tuple[Send, Progress]]:
        return []


class Views:
    async def cancelled(self, keys: set[tuple[str, str]]) -> set[tuple[str, str]]:
        return set()

    async def consent(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], ConsentRow]:
        return {}


class Bus(BatchPublishing):
    """Packs and encodes outcomes as the real bus does (herald.runtime.packing); counts
    the outcomes (not the records) it was given."""

    limits = Limits()

    def __init__(self) -> None:
        self.count = 0

    async def publish_many(
        self, topic: Any, items: Sequence[tuple[str, Any]], headers: Any = None
    ) -> None:
        for _key, value in items:
            if not isinstance(value, Encoded):
                encode(value)

    async def publish_batched(
        self, topic: Any, items: Sequence[Any], headers: dict[str, str] | None = None
    ) -> None:
        self.count += len(items)
        await super().publish_batched(topic, items, headers)


def build(
    kind: str, channel: str, concurrency: int, client: httpx.AsyncClient
) -> tuple[Dispatcher, Bus, Ledger]:
    metrics = DispatcherMetrics(CollectorRegistry())
    config = ProvidersConfig.model_validate(
        {
            "providers": {"p": {"kind": kind, "concurrency": concurrency}},
            "channels": {channel: ["p"]},
        }
    )
    parts = Parts(client, b"s" * 32, str, None, webhook_allow_private=True)  # type: ignore[arg-type]
    registry = Registry(config, frozenset({"acme"}), parts)
    links = TrackingLinks(
        LinkSigner({"k1": b"bench-key-of-at-least-32-characters"}),
        "https://t.example",
        lambda: NOW + timedelta(days=30),
    )
    deliverer = Deliverer(
        registry, links, metrics, lambda: NOW, Policy(), FinalCheck(links=links, clock=lambda: NOW)
    )
    bus, ledger = Bus(), Ledger()
    dispatcher = Dispatcher(
        ledger,
        Views(),
        deliverer,
        bus,
        metrics,
        lambda: NOW,  # type: ignore[arg-type]
        max_in_flight=concurrency,
        batch_deadline_s=600.0,
    )
    return dispatcher, bus, ledger


def sends(
    n: int, batch: int, channel: str, content: dict[str, Any], hook: str | None
) -> list[Send]:
    contacts: dict[str, str] = {"phone": "+8613800000000"}
    if hook:
        contacts["webhook"] = hook
    return [
        Send.model_validate(
            {
                "delivery_id": f"d-{batch}-{i}", "request_id": f"r-{batch}", "tenant": "acme",
                "department": "mkt", "recipient_id": f"u-{i}", "category": "notification",
                "priority": "normal", "channels": [channel], "contacts": contacts,
                "content": content, "labels": {"campaign": "winter"}, "due_at": NOW.isoformat(),
                "trace_id": f"t-{batch}",
            }
        )
        for i in range(n)
    ]  # fmt: skip


async def case(
    name: str,
    kind: str,
    channel: str,
    content: dict[str, Any],
    args: argparse.Namespace,
    hook: str | None,
) -> None:
    best, rate = float("inf"), 0.0
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=args.concurrency)) as client:
        dispatcher, bus, ledger = build(kind, channel, args.concurrency, client)
        batches = [sends(args.sends, b, channel, content, hook) for b in range(args.rounds)]
        profiler = cProfile.Profile() if args.profile else None
        for r, batch in enumerate(batches):
            last = r == len(batches) - 1
            if profiler and last:
                profiler.enable()
            start, wall = time.process_time(), time.perf_counter()
            for i in range(0, len(batch), args.batch):
                await dispatcher.dispatch(batch[i : i + args.batch])
            best = min(best, (time.process_time() - start) / len(batch))
            rate = max(rate, len(batch) / (time.perf_counter() - wall))
            if profiler and last:
                profiler.disable()
                profiler.dump_stats(f"{args.profile}.{name}.prof")
        await dispatcher.close()
    emit(
        "dispatcher_batch",
        case=name,
        sends=args.sends,
        batch=args.batch,
        us_per_send=round(best * 1e6, 1),
        per_s=round(rate),
        outcomes=bus.count,  # of sends x rounds; the rest parked (retryable under load)
        parked=ledger.parked,
    )


def dispatcher_ledger(dispatcher: Dispatcher) -> Ledger:
    return dispatcher._ledger  # type: ignore[return-value]


async def main(args: argparse.Namespace) -> None:
    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(30), cache_logger_on_first_use=True
    )
    await case("log_plain_sms", "log", "sms", PLAIN, args, None)
    await case("log_linked_sms", "log", "sms", LINKED, args, None)
    if args.log_only:
        return
    sink = await FastSink().start()
    try:
        await case("webhook", "webhook", "webhook", PLAIN, args, sink.url())
        best, rate = float("inf"), 0.0
        for _ in range(args.rounds):
            start = time.process_time()
            rate = max(rate, await bare_http(sink.url("/bare"), args.sends, args.concurrency))
            best = min(best, (time.process_time() - start) / args.sends)
        emit(
            "dispatcher_batch",
            case="bare_httpx",
            sends=args.sends,
            us_per_send=round(best * 1e6, 1),
            per_s=round(rate),
        )
        print(json.dumps(await sink.stats()), file=sys.stderr)
    finally:
        await sink.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sends", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=500, help="sends per dispatch call")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--profile", default=None)
    parser.add_argument("--log-only", action="store_true", help="the log provider's cases only")
    asyncio.run(main(parser.parse_args()))
