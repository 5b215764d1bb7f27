"""`make run`: bring the whole system up in the foreground; Ctrl-C stops all of it.

On a terminal it prints readable lines and, once everything is up, a banner; anywhere
else (a container, a pipe) JSON lines. `LOG_FORMAT=json|console` overrides.
"""

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import structlog

from herald.devstack.banner import TRY_COMMAND, BannerFacts, render_banner
from herald.devstack.console import CompactRenderer, LogFormat, Relay, choose_format, use_colour
from herald.devstack.keys import ensure_secret
from herald.devstack.seed import DEMO_ROUTES, seed_demo_directory
from herald.devstack.stack import SERVICE_PORTS, Stack
from herald.runtime.logging import configure_logging

log = structlog.get_logger("herald.devstack")
STATE_DIR = Path(".herald")


def local_env(state: Path, env: Mapping[str, str]) -> dict[str, str]:
    """What the services get locally beyond the stack's own settings: JSON lines for the
    devstack to relay, and the review console and the portal switched on (unless a
    secret is given)."""
    extra = {"LOG_JSON": "true"}
    for name, variable in (
        ("console", "CONSOLE_SESSION_SECRET"),
        ("portal", "PORTAL_SESSION_SECRET"),
    ):
        if not env.get(variable):
            extra[variable] = ensure_secret(state, name)
    return extra


def build_stack(env: Mapping[str, str], log_format: LogFormat, renderer: CompactRenderer) -> Stack:
    """`HERALD_PORT_OFFSET=N` moves every port by N (a second stack beside a first);
    `HERALD_CRITICAL_LANE_PROCESSES=1` runs the critical lane's scheduler and dispatcher
    in processes of their own, and `HERALD_BULK_NICE=N` runs the processes only the bulk
    lane needs at OS niceness N, the local stand-in for the critical lane's own CPU
    (docs/critical-lane.md)."""
    offset = int(env.get("HERALD_PORT_OFFSET", "0"))
    return Stack(
        state_dir=STATE_DIR,
        ports={name: port + offset for name, port in SERVICE_PORTS.items()},
        broker_port=9092 + offset,
        extra_env=local_env(STATE_DIR, env),
        relay=Relay(log_format, renderer) if log_format == "console" else None,
        critical_lane_processes=env.get("HERALD_CRITICAL_LANE_PROCESSES", "0") != "0",
        bulk_nice=int(env.get("HERALD_BULK_NICE", "0")),
    )


async def seed(stack: Stack, env: Mapping[str, str]) -> dict[str, str]:
    """The demo directory: by default only into a broker this run started itself."""
    wanted = env.get("HERALD_DEMO_RECIPIENTS", "1" if stack.broker else "0") != "0"
    if not wanted or stack.producer is None:
        return {}
    ready = await seed_demo_directory(
        stack.bootstrap, stack.database_url, stack.producer, stack.topic_prefix
    )
    return dict(DEMO_ROUTES) if ready else {}


def announce(facts: BannerFacts, log_format: LogFormat, colour: bool) -> None:
    if log_format == "console":
        sys.stdout.write(render_banner(facts, colour) + "\n")
        sys.stdout.flush()
        return
    log.info(
        "herald_ready",
        seconds=round(facts.seconds, 1),
        kafka=facts.kafka,
        ports=facts.ports,
        console=facts.console_url,
        portal=facts.portal_url,
        api_keys=facts.keys_file,
        demo_recipients=sorted(facts.demo),
        try_command=TRY_COMMAND.format(intake=facts.ports["intake"]),
    )


async def main() -> None:
    env = os.environ
    tty = sys.stdout.isatty()
    log_format = choose_format(env, tty)
    renderer = CompactRenderer(colour=use_colour(env, tty))
    if log_format == "console":
        configure_logging("devstack", renderer=renderer)
    else:
        configure_logging("devstack", json=True)
    started = time.monotonic()
    stack = build_stack(env, log_format, renderer)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stack.start_infrastructure()
        await stack.start_services()
        demo = await seed(stack, env)
        facts = BannerFacts(
            ports=stack.ports,
            kafka=stack.bootstrap,
            database_url=stack.database_url,
            keys_file=str(STATE_DIR / "dev-keys.env"),
            tenant=stack.tenant,
            seconds=time.monotonic() - started,
            demo=demo,
            portal_url=f"http://localhost:{stack.ports['intake']}/portal/",
        )
        announce(facts, log_format, renderer.colour)
        supervisor = asyncio.create_task(stack.supervise())
        await stop.wait()
        supervisor.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await supervisor
    finally:
        log.info("herald_stopping")
        await stack.stop()


if __name__ == "__main__":
    asyncio.run(main())
