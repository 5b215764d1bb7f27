"""Running the scheduler against the real broker: settings, topic watchers, producing."""

import json
from datetime import datetime
from typing import Any

from herald.contracts import PushRequest
from herald.contracts.internal import RequestEnvelope
from herald.scheduler.settings import SchedulerSettings
from tests.support.kafka import produce
from tests.support.service import service_env


def settings(kafka: str, database_url: str, prefix: str, **extra: Any) -> SchedulerSettings:
    env = service_env(kafka, database_url, prefix, timer_poll_ms=50, metrics_interval_s=0.5)
    env |= {"kafka_session_timeout_ms": 2000, "kafka_heartbeat_interval_ms": 600}
    return SchedulerSettings(**(env | extra))


async def approve(kafka: str, prefix: str, request: PushRequest, at: datetime) -> None:
    env = RequestEnvelope(request=request, trace_id="t-" + request.request_id, at=at)
    await produce(
        kafka,
        prefix + "push.approved.v1",
        [(request.request_id, env.model_dump_json().encode())],
    )


def distinct(seen: list[Any]) -> set[str]:
    return {s.key for s in seen if s.key}


def payloads(seen: list[Any]) -> list[dict[str, Any]]:
    return [json.loads(s.value) for s in seen if s.value is not None]
