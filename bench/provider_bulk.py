"""Bulk-capable providers: 1,000 messages sent one `send` at a time beside one `send_many`.

    uv run --frozen python bench/provider_bulk.py [--messages N] [--concurrency C] [--rounds R]

For each provider, one JSON line per mode with the calls the sink received (HTTP
requests, or SMTP connections and transactions) and the wall time (median of `--rounds`
interleaved runs; the machine may be shared). Modes: `send_each` is `send` for every
message, `--concurrency` at a time (what a dispatcher without bulk calls does);
`send_many` is the provider's bulk path.

- Tencent SMS: a template whose values are equal for everyone (no personal link), so
  `send_many` groups 200 numbers per SendSms.
- OPPO: personalised messages (each title differs), so `send_many` sends them in
  unicast_batch calls of up to 1000.
- SMTP: `send_many` keeps one connection per lane; `send` reuses pooled connections
  too. Both pipeline MAIL/RCPT/DATA when the server offers PIPELINING (2 round trips a
  message instead of 4), so SMTP runs twice, against a server that offers it and one
  that does not: on loopback a round trip costs little, so the difference is small here
  and grows with the distance to the relay.

The sinks run in a separate process, so the measured process is only the client.
"""

import argparse
import asyncio
import json
import multiprocessing
import statistics
import sys
import time
import urllib.parse
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import emit, machine
from herald.contracts import Channel
from herald.contracts.internal import Send
from herald.devstack.ports import free_port, wait_for_port
from herald.dispatcher.domain.rendering import render
from herald.dispatcher.providers.base import Attempt, Message, Provider, each
from herald.dispatcher.providers.oppo import OppoConfig, OppoProvider
from herald.dispatcher.providers.refs import MemoryRefs
from herald.dispatcher.providers.sms_templates import SmsTemplate
from herald.dispatcher.providers.smtp import SmtpConfig, SmtpProvider
from herald.dispatcher.providers.tencent_sms import TencentSmsConfig, TencentSmsProvider


def _serve_http(port: int) -> None:
    """Tencent SendSms (any number of numbers) and OPPO auth/unicast/unicast_batch."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    calls: dict[str, int] = {}

    async def stats(_request: Request) -> JSONResponse:
        out = dict(calls)
        calls.clear()
        return JSONResponse(out)

    async def answer(request: Request) -> JSONResponse:
        path, raw = request.url.path, await request.body()
        calls[path] = calls.get(path, 0) + 1
        if path == "/server/v1/auth":
            return JSONResponse({"code": 0, "data": {"auth_token": "op-1"}})
        if path.endswith("/unicast"):
            return JSONResponse({"code": 0, "data": {"messageId": "o"}})
        if path.endswith("/unicast_batch"):
            form = urllib.parse.parse_qs(raw.decode())
            batch = json.loads(form["messages"][0])
            data = [{"registrationId": m["target_value"], "messageId": "o"} for m in batch]
            return JSONResponse({"code": 0, "data": data})
        phones = json.loads(raw)["PhoneNumberSet"]
        statuses = [{"PhoneNumber": p, "Code": "Ok", "SerialNo": f"s{p}"} for p in phones]
        return JSONResponse({"Response": {"SendStatusSet": statuses, "RequestId": "r"}})

    app = Starlette(routes=[Route("/stats", stats), Route("/{p:path}", answer, methods=["POST"])])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="error", access_log=False)


def _serve_smtp(port: int, stats_port: int, pipelining: bool) -> None:
    """aiosmtpd (offering PIPELINING or not), counting connections (EHLOs) and transactions."""
    import uvicorn
    from aiosmtpd.controller import Controller
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    counts = {"connections": 0, "transactions": 0}

    class Sink:
        async def handle_EHLO(self, server: Any, session: Any, envelope: Any,  # noqa: N802
                              hostname: str, responses: list[str]) -> list[str]:  # fmt: skip
            session.host_name = hostname
            counts["connections"] += 1
            offer = ["250-PIPELINING"] if pipelining else []
            return [*responses[:-1], *offer, responses[-1]]

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            counts["transactions"] += 1
            return "250 OK"

    Controller(Sink(), hostname="127.0.0.1", port=port).start()

    async def stats(_request: Any) -> JSONResponse:
        out = dict(counts)
        counts.update(connections=0, transactions=0)
        return JSONResponse(out)

    app = Starlette(routes=[Route("/stats", stats)])
    uvicorn.run(app, host="127.0.0.1", port=stats_port, log_level="error", access_log=False)


def message(i: int, channel: str, title: str) -> Message:
    send = Send.model_validate({
        "delivery_id": f"d-{i}", "request_id": "r-1", "tenant": "acme", "department": "mkt",
        "recipient_id": f"u-{i}", "category": "notification", "priority": "normal",
        "channels": [channel], "labels": {"campaign": "w26"},
        "contacts": {"phone": f"+86137{i:08d}", "email": f"u{i}@example.com",
                     "push_tokens": [{"platform": "oppo", "token": f"OPPO_{i:06d}"}]},
        "content": {"title": title.format(i=i), "body": "会员专享 5 折起"},
        "due_at": datetime.now(UTC).isoformat(),
    })  # fmt: skip
    return render(send, Channel(channel))


async def timed(call: Callable[[], Awaitable[list[Attempt]]]) -> float:
    start = time.perf_counter()
    attempts = await call()
    elapsed = time.perf_counter() - start
    if not all(a.ok for a in attempts):
        raise RuntimeError(f"not all sent: {[a.detail for a in attempts if not a.ok][:3]}")
    return elapsed


async def stats(client: httpx.AsyncClient, url: str) -> dict[str, int]:
    return dict((await client.get(url)).json())


async def compare(
    label: str,
    provider: Provider,
    messages: Sequence[Message],
    concurrency: int,
    rounds: int,
    stats_url: str,
    client: httpx.AsyncClient,
) -> None:
    modes: dict[str, Callable[[], Awaitable[list[Attempt]]]] = {
        "send_each": lambda: each(provider.send, messages, concurrency),
        "send_many": lambda: provider.send_many(messages),
    }
    times: dict[str, list[float]] = {m: [] for m in modes}
    calls: dict[str, dict[str, int]] = {}
    await each(provider.send, messages[:20], concurrency)  # warm up: tokens, connections
    await stats(client, stats_url)
    for _ in range(rounds):
        for mode, run in modes.items():
            times[mode].append(await timed(run))
            calls[mode] = await stats(client, stats_url)
    for mode in modes:
        seconds = statistics.median(times[mode])
        emit("provider_bulk", provider=label, mode=mode, messages=len(messages),
             calls=calls[mode], seconds=round(seconds, 3),
             messages_per_s=round(len(messages) / seconds), concurrency=concurrency,
             rounds=rounds, **machine())  # fmt: skip


async def main(n: int, concurrency: int, rounds: int) -> None:
    http_port = free_port()
    smtp_ports = {True: (free_port(), free_port()), False: (free_port(), free_port())}
    ctx = multiprocessing.get_context("spawn")
    sinks = [ctx.Process(target=_serve_http, args=(http_port,), daemon=True)] + [
        ctx.Process(target=_serve_smtp, args=(*ports, offer), daemon=True)
        for offer, ports in smtp_ports.items()
    ]
    for p in sinks:
        p.start()
    try:
        for port in (http_port, *smtp_ports[True], *smtp_ports[False]):
            await wait_for_port("127.0.0.1", port, 30)
        base = f"http://127.0.0.1:{http_port}"
        limits = httpx.Limits(max_connections=concurrency)
        async with httpx.AsyncClient(limits=limits, timeout=30) as client:
            templates = {
                "default": SmsTemplate("1001", {"1": "{title}", "2": "{labels[campaign]}"})
            }
            tencent = TencentSmsProvider(
                client, TencentSmsConfig("id", "key", "1400", "Acme", templates, endpoint=base),
                MemoryRefs(), "tencent",
            )  # fmt: skip
            sms = [message(i, "sms", "冬季特卖") for i in range(n)]
            await compare("tencent_sms", tencent, sms, concurrency, rounds, f"{base}/stats", client)
            oppo = OppoProvider(client, OppoConfig("k", "m", base))
            pushes = [message(i, "app_push", "冬季特卖 {i}") for i in range(n)]
            await compare("oppo", oppo, pushes, concurrency, rounds, f"{base}/stats", client)
            mails = [message(i, "email", "冬季特卖 {i}") for i in range(n)]
            for offer, (port, stats_port) in smtp_ports.items():
                smtp = SmtpProvider(
                    SmtpConfig("127.0.0.1", port, starttls=False, sender="news@acme.example",
                               pool_size=concurrency, timeout_s=30)
                )  # fmt: skip
                label = "smtp_pipelining" if offer else "smtp_no_pipelining"
                stats_url = f"http://127.0.0.1:{stats_port}/stats"
                await compare(label, smtp, mails, concurrency, rounds, stats_url, client)
                await smtp.aclose()
    finally:
        for p in sinks:
            p.terminate()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.messages, args.concurrency, args.rounds))
