"""Dispatcher's channels against local sinks, next to the bare client library on the same sink.

    uv run --frozen python bench/dispatcher_channels.py [--sends N] [--concurrency C] [--rounds R]

Prints one JSON line per channel: sends/s through the dispatcher's delivery path
(`Deliverer.deliver`: rendering with personalisation and tracked links, the provider's
gate and breaker, the provider speaking its protocol, metrics) and sends/s of the bare
client (httpx POST of a same-sized body, or aiosmtplib sending a same-sized message) to
the same sink with the same concurrency, and their ratio (medians of `--rounds`
interleaved runs: the machine may be shared). Sinks run in a separate
process so the measured process is only the client. Kafka and Postgres are not part of
either side.
"""

import argparse
import asyncio
import json
import multiprocessing
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import aiosmtplib
import httpx
from prometheus_client import CollectorRegistry

from herald.contracts.internal import Send
from herald.devstack.ports import free_port, wait_for_port
from herald.dispatcher.delivery import Deliverer, Policy
from herald.dispatcher.domain.links import TrackingLinks
from herald.dispatcher.metrics import DispatcherMetrics
from herald.dispatcher.routing.builders import Parts
from herald.dispatcher.routing.config import ProvidersConfig
from herald.dispatcher.routing.registry import Registry
from herald.runtime.links import LinkSigner


def _serve_http(port: int) -> None:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def ok(request: Any) -> JSONResponse:
        await request.body()
        return JSONResponse(
            {"errcode": 0, "name": "m", "sid": "SM1", "access_token": "ya29", "expires_in": 3600}
        )

    app = Starlette(routes=[Route("/{p:path}", ok, methods=["POST"])])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="error", access_log=False)


def _serve_smtp(port: int) -> None:
    from aiosmtpd.controller import Controller

    class Sink:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            return "250 OK"

    Controller(Sink(), hostname="127.0.0.1", port=port).start()
    while True:
        time.sleep(3600)


def send(i: int, channel: str, hook: str) -> Send:
    return Send.model_validate({
        "delivery_id": f"d-{i}", "request_id": "r-1", "tenant": "acme", "department": "mkt",
        "recipient_id": f"u-{i}", "category": "notification", "priority": "normal",
        "channels": [channel],
        "contacts": {"phone": "+8613800000000", "email": "li@example.com", "webhook": hook,
                     "push_tokens": [{"platform": "fcm", "token": "t" * 152}]},
        "content": {"title": "冬季特卖今晚开始", "body": "会员专享 5 折起 https://shop.example.com/winter"},
        "due_at": datetime.now(UTC).isoformat(),
    })  # fmt: skip


async def timed(n: int, concurrency: int, one: Callable[[int], Awaitable[Any]]) -> float:
    slots = asyncio.Semaphore(concurrency)

    async def bounded(i: int) -> None:
        async with slots:
            await one(i)

    start = time.perf_counter()
    await asyncio.gather(*(bounded(i) for i in range(n)))
    return n / (time.perf_counter() - start)


def fcm_account(base: str) -> str:
    """A throwaway service account whose token endpoint is the sink."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return json.dumps({"project_id": "bench", "client_email": "b@bench.iam", "private_key": pem,
                       "token_uri": f"{base}/token"})  # fmt: skip


def deliverer(http_port: int, smtp_port: int, client: httpx.AsyncClient, c: int) -> Deliverer:
    base = f"http://127.0.0.1:{http_port}"
    os.environ["BENCH_FCM_ACCOUNT"] = fcm_account(base)
    config = ProvidersConfig.model_validate({
        "providers": {
            "smtp": {"kind": "smtp", "host": "127.0.0.1", "port": smtp_port, "starttls": False,
                     "sender": "news@acme.example", "concurrency": c},
            "sms": {"kind": "sms", "url": f"{base}/sms", "shape": "custom", "concurrency": c,
                    "fields": {"to": "{phone}", "text": "{body}", "notify": "{receipt_url}"}},
            "webhook": {"kind": "webhook", "concurrency": c},
            "dingtalk": {"kind": "dingtalk", "concurrency": c},
            "fcm": {"kind": "fcm", "service_account": {"env": "BENCH_FCM_ACCOUNT"},
                    "endpoint": base, "concurrency": c},
        },
        "channels": {"email": ["smtp"], "sms": ["sms"], "webhook": ["webhook"],
                     "in_app": ["dingtalk"], "app_push": ["fcm"]},
    })  # fmt: skip
    receipt = "https://d.example/v1/receipts/sms/{}/x".format
    parts = Parts(client, b"secret", receipt, None, webhook_allow_private=True)  # type: ignore[arg-type]
    registry = Registry(config, frozenset({"acme"}), parts)
    signer = LinkSigner({"k1": b"bench"})
    links = TrackingLinks(
        signer, "https://t.example", lambda: datetime.now(UTC) + timedelta(days=30)
    )
    metrics = DispatcherMetrics(CollectorRegistry())
    return Deliverer(registry, links, metrics, lambda: datetime.now(UTC), Policy())


async def bare_smtp(port: int, n: int, c: int) -> float:
    pool: asyncio.Queue[aiosmtplib.SMTP] = asyncio.Queue()
    for _ in range(c):
        client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False)
        await client.connect()
        pool.put_nowait(client)

    async def one(i: int) -> None:
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = (
            "news@acme.example",
            "li@example.com",
            "冬季特卖",
        )
        mail.set_content("会员专享 5 折起 https://shop.example.com/winter")
        mail.add_alternative("<p>会员专享 5 折起</p>", subtype="html")
        client = await pool.get()
        await client.send_message(mail)
        pool.put_nowait(client)

    rate = await timed(n, c, one)
    while not pool.empty():
        await pool.get_nowait().quit()
    return rate


async def run(n: int, c: int, rounds: int) -> None:
    http_port, smtp_port = free_port(), free_port()
    ctx = multiprocessing.get_context("spawn")
    sinks = [
        ctx.Process(target=_serve_http, args=(http_port,), daemon=True),
        ctx.Process(target=_serve_smtp, args=(smtp_port,), daemon=True),
    ]
    for p in sinks:
        p.start()
    try:
        await wait_for_port("127.0.0.1", http_port, 30)
        await wait_for_port("127.0.0.1", smtp_port, 30)
        limits = httpx.Limits(max_connections=c, max_keepalive_connections=c)
        async with httpx.AsyncClient(limits=limits, timeout=30) as client:
            d = deliverer(http_port, smtp_port, client, c)
            hook = f"http://127.0.0.1:{http_port}/hook"
            body = json.dumps(
                {"title": "冬季特卖今晚开始", "body": "会员专享 5 折起 " + "x" * 180}
            ).encode()

            async def bare_http(i: int) -> None:
                (
                    await client.post(
                        hook, content=body, headers={"content-type": "application/json"}
                    )
                ).raise_for_status()

            for label, channel in (
                ("webhook", "webhook"),
                ("sms", "sms"),
                ("dingtalk", "in_app"),  # the robot shape, on a spare channel's route
                ("fcm", "app_push"),
                ("email", "email"),
            ):
                sends = [send(i, channel, hook) for i in range(n)]

                def herald_one(i: int, sends: list[Send] = sends) -> Awaitable[Any]:
                    return d.deliver(sends[i])

                await timed(min(n, 200), c, herald_one)  # warm up
                herald_runs, bare_runs = [], []
                for _ in range(rounds):  # interleaved, so noise hits both sides alike
                    herald_runs.append(await timed(n, c, herald_one))
                    bare_runs.append(
                        await bare_smtp(smtp_port, n, c)
                        if channel == "email"
                        else await timed(n, c, bare_http)
                    )
                herald, bare = statistics.median(herald_runs), statistics.median(bare_runs)
                line = {
                    "channel": label,
                    "sends": n,
                    "concurrency": c,
                    "rounds": rounds,
                    "herald_per_s": round(herald),
                    "bare_per_s": round(bare),
                    "ratio": round(herald / bare, 3),
                    "bare": "aiosmtplib" if channel == "email" else "httpx",
                }
                sys.stdout.write(json.dumps(line) + "\n")
                sys.stdout.flush()
    finally:
        for p in sinks:
            p.terminate()
            p.join(5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sends", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(run(args.sends, args.concurrency, args.rounds))


if __name__ == "__main__":
    main()
