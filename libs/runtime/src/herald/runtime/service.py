"""The shell every service runs in: a Kafka broker and producer, a Postgres pool, an HTTP app.

`Runtime` holds the shared parts, built unconnected; `create_app` wires them into a
FastAPI app whose lifespan connects, migrates, starts consumers and background loops
(supervised: herald.runtime.loops), and undoes it all in reverse on shutdown. Every
service gets `/healthz`, `/readyz` and `/metrics` from here, and request metrics for
every route (herald.runtime.http_metrics).
OpenTelemetry tracing is installed here too when configured (herald.runtime.telemetry).
Every Kafka client gets the service's SASL/TLS settings (herald.runtime.kafka_security);
every record published is signed and every record consumed verified against the record
keys and the producers file (herald.runtime.provenance, herald.runtime.producers), which
a background loop re-reads when it changes.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import asyncpg
import structlog
from fastapi import APIRouter, FastAPI
from faststream.kafka import KafkaBroker, KafkaRouter
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from prometheus_client import CollectorRegistry

from herald.runtime import ops
from herald.runtime.auth import ApiKeyStore, Authenticator
from herald.runtime.bodylimit import BodyLimit
from herald.runtime.db import Database, create_pool, migrate, ping
from herald.runtime.dlq import DeadLetters
from herald.runtime.events import KafkaEventBus
from herald.runtime.health import Health
from herald.runtime.heap import freeze_startup_heap
from herald.runtime.http_metrics import HttpMetrics, HttpMetricsMiddleware
from herald.runtime.kafka_security import KafkaSecurity
from herald.runtime.logging import configure_logging
from herald.runtime.loop_lag import LoopLag
from herald.runtime.loops import Loop, every, supervise
from herald.runtime.openapi_limits import document_body_limits
from herald.runtime.packing import Limits
from herald.runtime.pool import PoolWaits
from herald.runtime.problems import install_problem_handlers
from herald.runtime.producers import ProducersFile
from herald.runtime.provenance import ProducerDirectory, RecordSigner, RecordVerifier
from herald.runtime.settings import ServiceSettings
from herald.runtime.subscriptions import Consumers

if TYPE_CHECKING:
    from herald.runtime.telemetry import Telemetry

log = structlog.get_logger(__name__)
NO_DOCS: dict[str, Any] = {"docs_url": None, "redoc_url": None, "openapi_url": None}
"""API docs are served only when `HTTP_DOCS` asks (the OpenAPI documents are checked in)."""


@dataclass
class Runtime:
    name: str
    settings: ServiceSettings
    registry: CollectorRegistry
    health: Health
    broker: KafkaBroker
    events: KafkaEventBus
    dlq: DeadLetters
    db: Database
    auth: Authenticator
    verifier: RecordVerifier
    producers: ProducersFile
    security: KafkaSecurity
    telemetry: "Telemetry | None" = None
    loops: list[tuple[str, Loop]] = field(default_factory=list)
    closers: list[Loop] = field(default_factory=list)

    def on_close(self, closer: Loop) -> None:
        """Run at shutdown, after consumers and loops have stopped and before the event bus
        stops (the dispatcher's background sends still publish their outcomes)."""
        self.closers.append(closer)

    def add_loop(self, name: str, loop: Loop) -> None:
        """A background loop (see herald.runtime.loops.every), restarted after a pause if it
        ever fails."""
        self.loops.append((name, loop))

    def consumers(self) -> Consumers:
        """A router for the service's consumers, sharing its DLQ, readiness, record
        verifier and settings."""
        return Consumers(self.dlq, self.health, self.settings, self.verifier)


def build_runtime(
    name: str, settings: ServiceSettings, telemetry: "Telemetry | None" = None
) -> Runtime:
    """Everything a service shares, built but not connected (nothing connects at import).

    Tracing is on when `telemetry` is given or the settings name an OTLP endpoint; only
    then is the OpenTelemetry SDK imported."""
    if telemetry is None and settings.otel_traces_url:
        from herald.runtime.telemetry import otlp_telemetry

        telemetry = otlp_telemetry(name, settings)
    registry = CollectorRegistry()
    security = KafkaSecurity.from_settings(settings)
    keys = settings.record_key_map
    producers = ProducersFile(settings.producers_file, ProducerDirectory())
    middlewares: list[Any] = [KafkaPrometheusMiddleware(registry=registry, app_name=name)]
    if telemetry is not None:
        middlewares += telemetry.broker_middlewares()
    broker = KafkaBroker(
        settings.kafka_bootstrap_servers,
        client_id=f"herald-{name}",
        security=security.faststream(),
        middlewares=middlewares,
        enable_idempotence=False,
        graceful_timeout=30.0,
        logger=logging.getLogger(f"herald.{name}.kafka"),
        log_level=logging.DEBUG,
    )
    events = KafkaEventBus(
        settings.kafka_bootstrap_servers,
        client_id=f"herald-{name}-events",
        registry=registry,
        signer=RecordSigner.herald(keys),
        security=security,
        linger_ms=settings.kafka_linger_ms,
        max_request_size=settings.kafka_max_request_bytes,
        topic_prefix=settings.kafka_topic_prefix,
        tracer=telemetry.publish_tracer() if telemetry is not None else None,
        limits=Limits.of(settings),
    )
    rt = Runtime(
        name=name,
        settings=settings,
        registry=registry,
        health=Health(),
        broker=broker,
        events=events,
        dlq=DeadLetters(events, name, registry),
        db=Database(PoolWaits(registry, name), settings.db_pool_critical_reserve),
        auth=Authenticator(ApiKeyStore(settings.api_keys_file)),
        verifier=RecordVerifier(keys, producers.directory),
        producers=producers,
        security=security,
        telemetry=telemetry,
    )
    rt.add_loop("loop_lag", LoopLag(registry).run)
    if settings.producers_file:
        rt.add_loop("producers", every(settings.producers_reload_s, producers.refresh))
    if telemetry is not None:
        rt.on_close(telemetry.shutdown)
    return rt


async def _start_broker(broker: KafkaBroker) -> None:
    """Start every subscriber at once: each consumer-group join waits about half the
    session timeout, and FastStream's own `start()` joins them one after another."""
    await broker.connect()
    await asyncio.gather(*(sub.start() for sub in broker.subscribers))
    for pub in broker.publishers:
        await pub.start()
    broker.running = True


async def readiness(rt: Runtime, uses_db: bool) -> dict[str, str]:
    problems = rt.health.problems
    if not rt.events.started:
        problems["kafka"] = "producer not started"
    if uses_db:
        try:
            await ping(rt.db.pool)
        except Exception as exc:
            problems["postgres"] = f"{type(exc).__name__}: {exc}"
    return problems


async def _close(rt: Runtime, pool: asyncpg.Pool | None) -> None:
    """After the consumers stopped: the closers (before the bus stops: a closer may still
    publish), then the bus and the pool, whatever a closer raised."""
    try:
        for closer in rt.closers:
            try:
                await closer()
            except Exception:  # the others, the bus and the pool still close
                log.exception("closer_failed", closer=getattr(closer, "__qualname__", ""))
    finally:
        await rt.events.stop()
        if pool is not None:
            await pool.close()
        rt.db.attach(None)


def create_app(
    rt: Runtime,
    *,
    routers: Sequence[KafkaRouter] = (),
    http: Sequence[APIRouter] = (),
    migrations: Path | None = None,
    title: str | None = None,
    extra_ready: Callable[[], Awaitable[dict[str, str]]] | None = None,
    body_limits: Mapping[str, int] | None = None,
) -> FastAPI:
    """The service's app. `body_limits` caps request bodies by path prefix beyond the
    default `HTTP_MAX_BODY_BYTES` (herald.runtime.bodylimit)."""
    for router in routers:
        rt.broker.include_router(router)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        s = rt.settings
        configure_logging(rt.name, s.log_level, s.log_json)
        rt.producers.load()
        pool = None
        if migrations is not None:
            size = s.db_pool_max + rt.db.reserve  # the reserve is critical work's alone
            pool = await create_pool(s.database_url.get_secret_value(), max_size=size)
            rt.db.attach(pool, share=s.db_pool_max)
            await migrate(pool, rt.name, migrations)
        await rt.events.start()
        await _start_broker(rt.broker)
        tasks = [asyncio.create_task(supervise(n, f, rt.health), name=n) for n, f in rt.loops]
        frozen = freeze_startup_heap()  # the collector stops walking it (heap.py)
        log.info("service_started", http_port=s.http_port, frozen_objects=frozen)
        try:
            yield
        finally:
            log.info("service_stopping")
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await rt.broker.stop()
            await _close(rt, pool)

    s = rt.settings
    docs: dict[str, Any] = {} if s.http_docs else NO_DOCS
    app = FastAPI(title=title or f"Herald {rt.name}", version="1", lifespan=lifespan, **docs)
    install_problem_handlers(app)
    app.add_middleware(HttpMetricsMiddleware, metrics=HttpMetrics(rt.registry))
    app.add_middleware(BodyLimit, default=s.http_max_body_bytes, limits=body_limits or {})
    document_body_limits(app)
    if rt.telemetry is not None:
        rt.telemetry.instrument(app)

    async def ready() -> dict[str, str]:
        problems = await readiness(rt, migrations is not None)
        if extra_ready is not None:
            problems |= await extra_ready()
        return problems

    ops.install(app, rt.name, ready, rt.registry, s.http_admin_port)
    for api in http:
        app.include_router(api)
    return app
