"""Dispatcher's composition root."""

from datetime import UTC, datetime
from pathlib import Path

import httpx
from fastapi import FastAPI

from herald.contracts import Channel
from herald.dispatcher.dispatching import Dispatcher
from herald.dispatcher.handlers import build_router
from herald.dispatcher.ledger import PgLedger
from herald.dispatcher.metrics import DispatcherMetrics
from herald.dispatcher.providers.base import Provider
from herald.dispatcher.providers.log import LogProvider
from herald.dispatcher.providers.webhook import WebhookProvider
from herald.dispatcher.settings import DispatcherSettings
from herald.runtime.service import build_runtime
from herald.runtime.service import create_app as create_service_app

MIGRATIONS = Path(__file__).parent / "migrations"


def now() -> datetime:
    return datetime.now(UTC)


def providers_by_channel(
    settings: DispatcherSettings, client: httpx.AsyncClient
) -> dict[Channel, Provider]:
    available: dict[str, Provider] = {
        "log": LogProvider(),
        "webhook": WebhookProvider(client, settings.signing_secret.get_secret_value().encode()),
    }
    chosen: dict[Channel, Provider] = {}
    for pair in settings.channel_providers.split(","):
        channel, _, name = pair.strip().partition("=")
        if channel:
            chosen[Channel(channel)] = available[name]
    return chosen


def create_app(settings: DispatcherSettings | None = None) -> FastAPI:
    settings = settings or DispatcherSettings()
    rt = build_runtime("dispatcher", settings)
    client = httpx.AsyncClient(
        timeout=settings.provider_timeout_s,
        limits=httpx.Limits(max_connections=settings.max_in_flight),
    )
    dispatcher = Dispatcher(
        PgLedger(rt.db),
        providers_by_channel(settings, client),
        rt.events,
        DispatcherMetrics(rt.registry),
        now,
        settings.max_in_flight,
    )
    rt.on_close(client.aclose)
    return create_service_app(
        rt, routers=[build_router(dispatcher, rt.dlq, rt.health, settings)], migrations=MIGRATIONS
    )
