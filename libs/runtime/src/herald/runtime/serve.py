"""Run a service's app under uvicorn (the console entry point of each service)."""

from collections.abc import Callable

import uvicorn
from fastapi import FastAPI

from herald.runtime.settings import ServiceSettings


def serve(create_app: Callable[[], FastAPI], settings: ServiceSettings) -> None:
    uvicorn.run(
        create_app(),
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=30,
    )
