"""The whole system on one machine: broker, Postgres, topics, keys and five services.

A supervisor in miniature: it restarts a service that dies (as Kubernetes would) and
stops everything it started when it is stopped.
"""

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import structlog

from herald.devstack.broker import LocalBroker
from herald.devstack.keys import (
    ProducerCredential,
    ensure_dev_keys,
    ensure_dev_producer,
    ensure_record_keys,
    ensure_secret,
)
from herald.devstack.ports import wait_for_port
from herald.devstack.postgres import LocalPostgres, create_database
from herald.devstack.services import SERVICES
from herald.runtime.topics import ensure_topics

log = structlog.get_logger(__name__)

SERVICE_PORTS = {m.name: m.http_port for m in SERVICES}
"""Each service on its own port (its manifest's), started in this order."""
LANE_PROCESSES = {"scheduler-critical": "scheduler", "dispatcher-critical": "dispatcher"}
"""With `Stack.critical_lane_processes`: the one-lane processes started beside the
services (`LANES=critical`; the scheduler and dispatcher then run `LANES=bulk`), each
the service it runs (docs/critical-lane.md)."""
LANE_PROCESS_LOCAL_ENV = {"KAFKA_FETCH_MAX_WAIT_MS": "10"}
"""A one-lane process's consumers wait less on the local broker (which never wakes a
pending fetch, LOCAL_BROKER_ENV): it has one push-path consumer, so the empty fetches
this costs while idle are few (measured in docs/critical-lane.md), and each of its two
hops (approved -> planned, sends_critical -> sent) waits ~3 ms, not ~23."""
BULK_PROCESSES = ("tracker",)
"""Processes that serve only the bulk of the traffic in every topology: nothing a
critical push waits for runs in them (its arrival is the webhook or the provider call,
not its report). With `critical_lane_processes` the `LANES=bulk` scheduler and
dispatcher join them (Stack.nice_of)."""
LANE_PORT_STEP = 1000
"""A one-lane process listens on its service's port + this (8003 -> 9003, 8004 -> 9004:
clear of a second stack at HERALD_PORT_OFFSET=100)."""
Relay = Callable[[str, asyncio.StreamReader], Coroutine[Any, Any, None]]
"""Takes a service's name and its output (stdout and stderr) until the process ends."""


@dataclass
class ServiceProcess:
    name: str
    port: int
    env: dict[str, str]
    log_file: Path | None = None
    nice: int = 0
    """The process's OS niceness (0: the devstack's own): Stack.bulk_nice."""
    process: asyncio.subprocess.Process | None = None
    restarts: int = 0
    relay: Relay | None = None
    _out: IO[bytes] | None = None
    _relaying: asyncio.Task[None] | None = None

    @property
    def service(self) -> str:
        """The service this process runs (a one-lane process runs its service's code)."""
        return LANE_PROCESSES.get(self.name, self.name)

    async def start(self) -> None:
        if self.log_file is not None and self._out is None:
            self._out = self.log_file.open("ab")
        piped = self.relay is not None
        niced = ("nice", "-n", str(self.nice)) if self.nice else ()
        self.process = await asyncio.create_subprocess_exec(
            *niced,
            sys.executable,
            "-m",
            f"herald.{self.service}",
            env=self.env,
            stdout=asyncio.subprocess.PIPE if piped else self._out,
            stderr=asyncio.subprocess.STDOUT if self._out or piped else None,
        )
        if self.relay is not None and self.process.stdout is not None:
            self._relaying = asyncio.create_task(self.relay(self.name, self.process.stdout))

    async def wait_ready(self, timeout: float = 180) -> None:
        """Until the service listens; at once if it exits. The wait is long because a
        loaded machine (CI, two cores shared with the tests) starts five services slowly."""
        waiting = asyncio.create_task(wait_for_port("127.0.0.1", self.port, timeout))
        exited = asyncio.create_task(self.process.wait()) if self.process else None
        try:
            done, _ = await asyncio.wait(
                {t for t in (waiting, exited) if t}, return_when=asyncio.FIRST_COMPLETED
            )
            if waiting not in done:
                code = self.process.returncode if self.process else None
                raise RuntimeError(f"herald.{self.name} exited with {code} before it listened")
            waiting.result()
        finally:
            for task in (waiting, exited):
                if task and not task.done():
                    task.cancel()

    def kill(self) -> None:
        """kill -9: no chance to finish or commit anything."""
        if self.process and self.process.returncode is None:
            self.process.kill()

    async def stop(self, timeout: float = 20) -> None:
        if self.process and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), timeout)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        if self._relaying is not None:  # its last lines, up to the end of the pipe
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._relaying, 5)
        if self._out is not None:
            self._out.close()
            self._out = None


LOCAL_BROKER_ENV = {"KAFKA_FETCH_MAX_WAIT_MS": "100"}
"""The local broker (Tansu) does not answer a pending fetch when data arrives, so a
consumer on a push's path would wait out up to the fetch wait on every hop (500 ms by
default, right for Apache Kafka): locally it is short (herald.runtime.fetching;
bench/latency.py measured the choice, docs/latency.md)."""


@dataclass
class Stack:
    state_dir: Path
    tenant: str = "acme"
    ports: dict[str, int] = field(default_factory=lambda: dict(SERVICE_PORTS))
    broker_port: int = 9092
    log_dir: Path | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    database_name: str = "herald"
    topic_prefix: str = ""
    broker: LocalBroker | None = None
    postgres: LocalPostgres | None = None
    bootstrap: str = ""
    database_url: str = ""
    keys: dict[str, str] = field(default_factory=dict)
    producer: ProducerCredential | None = None
    """The local upstream producer's credential (for the demo directory, and for you)."""
    services: dict[str, ServiceProcess] = field(default_factory=dict)
    relay: Relay | None = None
    """Where the services' output goes; None: their own stdout (or log_dir's files)."""
    critical_lane_processes: bool = False
    """Run the critical lane in processes of its own (LANE_PROCESSES), as the manifests
    in deploy/ can: `make run` with HERALD_CRITICAL_LANE_PROCESSES=1. Their ports are
    `ports` entries (by default their service's port + LANE_PORT_STEP)."""
    bulk_nice: int = 0
    """The OS niceness of the processes a critical push never waits for (`make run` with
    HERALD_BULK_NICE=N; 0: none). The local stand-in for what a cluster gives the
    critical lane's pods: CPU of their own (Guaranteed QoS, a PriorityClass, the bulk
    pods elsewhere). On a machine whose cores a blast saturates, the critical processes
    then get a core when they are runnable, as they would on their own node. It models
    only the CPU: the broker and Postgres stay shared (docs/critical-lane.md)."""

    def __post_init__(self) -> None:
        if self.critical_lane_processes:
            self.ports = dict(self.ports)  # the caller's stays as it was
            for name, service in LANE_PROCESSES.items():
                self.ports.setdefault(name, self.ports[service] + LANE_PORT_STEP)

    def nice_of(self, name: str) -> int:
        """`bulk_nice` for the bulk-only processes (BULK_PROCESSES, and the `LANES=bulk`
        scheduler and dispatcher beside critical-lane processes), else 0: a process that
        serves both lanes is never niced, or the critical lane would wait behind it."""
        bulk = name in BULK_PROCESSES or (
            self.critical_lane_processes and name in LANE_PROCESSES.values()
        )
        return self.bulk_nice if bulk else 0

    async def start_infrastructure(self) -> None:
        self.bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "")
        if not self.bootstrap:
            self.broker = await LocalBroker(port=self.broker_port).start()
            self.bootstrap = self.broker.bootstrap
        admin_url = os.environ.get("DATABASE_URL", "")
        if not admin_url:
            self.postgres = await LocalPostgres().start()
            admin_url = self.postgres.admin_url
        self.database_url = await create_database(admin_url, self.database_name)
        created = await ensure_topics(self.bootstrap, prefix=self.topic_prefix)
        log.info("infrastructure_ready", kafka=self.bootstrap, topics_created=created)
        self.keys = ensure_dev_keys(self.state_dir, self.tenant)
        self.producer = ensure_dev_producer(
            self.state_dir, self.tenant, ensure_record_keys(self.state_dir)
        )

    def service_env(self, name: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
        env.update(
            KAFKA_BOOTSTRAP_SERVERS=self.bootstrap,
            DATABASE_URL=self.database_url,
            TENANTS=self.tenant,
            HTTP_HOST="127.0.0.1",
            HTTP_PORT=str(self.ports[name]),
            API_KEYS_FILE=str(self.state_dir / "api-keys.json"),
            RECORD_KEYS=ensure_record_keys(self.state_dir),
            PRODUCERS_FILE=str(self.state_dir / "producers.json"),
            KAFKA_TOPIC_PREFIX=self.topic_prefix,
            KAFKA_SESSION_TIMEOUT_MS="4000",
            KAFKA_HEARTBEAT_INTERVAL_MS="1300",
            SIGNING_SECRET=ensure_secret(self.state_dir, "signing"),
            TRACKING_KEYS=f"dev1:{ensure_secret(self.state_dir, 'tracking')}",
            DELIVERY_ID_KEY=ensure_secret(self.state_dir, "delivery-id"),
            TRACKER_PUBLIC_URL=f"http://127.0.0.1:{self.ports['tracker']}",
            DISPATCHER_PUBLIC_URL=f"http://127.0.0.1:{self.ports['dispatcher']}",
            REVIEW_URL=f"http://127.0.0.1:{self.ports['review']}",
            SCHEDULER_URL=f"http://127.0.0.1:{self.ports['scheduler']}",
            TRACKER_URL=f"http://127.0.0.1:{self.ports['tracker']}",
            # local sinks live on loopback; production refuses private webhook targets
            WEBHOOK_ALLOW_PRIVATE="true",
            # and local callback receivers too, over plain http (production: https only)
            CALLBACKS_ALLOW_HTTP="true",
            CALLBACKS_ALLOW_PRIVATE="true",
            XDG_RUNTIME_DIR=env.get("XDG_RUNTIME_DIR", "/tmp"),  # noqa: S108
        )
        if self.broker is not None:
            env.update(LOCAL_BROKER_ENV)
        if self.critical_lane_processes and name in (*LANE_PROCESSES, *LANE_PROCESSES.values()):
            env["LANES"] = "critical" if name in LANE_PROCESSES else "bulk"
        if self.broker is not None and name in LANE_PROCESSES:
            env.update(LANE_PROCESS_LOCAL_ENV)
        env.update(self.extra_env)
        return env

    async def start_services(self, names: tuple[str, ...] | None = None) -> None:
        for name in names or tuple(self.ports):
            log_file = self.log_dir / f"{name}.log" if self.log_dir else None
            proc = ServiceProcess(
                name,
                self.ports[name],
                self.service_env(name),
                log_file,
                nice=self.nice_of(name),
                relay=self.relay,
            )
            self.services[name] = proc
            await proc.start()
        await asyncio.gather(*(p.wait_ready() for p in self.services.values()))

    async def restart(self, name: str) -> None:
        proc = self.services[name]
        await proc.stop()
        proc.restarts += 1
        await proc.start()
        await proc.wait_ready()

    async def supervise(self) -> None:
        """Restart whatever dies, with a short pause, until cancelled."""
        while True:
            await asyncio.sleep(1)
            for proc in self.services.values():
                if proc.process and proc.process.returncode is not None:
                    log.warning(
                        "service_died_restarting", service=proc.name, rc=proc.process.returncode
                    )
                    proc.restarts += 1
                    await proc.start()

    async def stop(self) -> None:
        await asyncio.gather(*(p.stop() for p in self.services.values()))
        if self.broker:
            await self.broker.stop()
        if self.postgres:
            with contextlib.suppress(Exception):
                await self.postgres.stop()
