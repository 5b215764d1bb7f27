"""A service's app as its composition root builds it, with the Runtime it was built on.

For checks of what a service declares (its subscriptions, metrics, settings) without
running it: the app is built from the service's manifest with placeholder settings and
connects to nothing. The app does not expose its Runtime, so the Runtime is recorded as
herald.runtime constructs it (its class's __init__ wrapped for the duration of the
build): no module of the service is patched or read.
"""

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI

from herald.contracts import Topic
from herald.devstack.apps import build_app, placeholder_settings
from herald.runtime.manifest import Consumes, ServiceManifest
from herald.runtime.service import Runtime


@dataclass(frozen=True)
class Built:
    manifest: ServiceManifest
    app: FastAPI
    runtime: Runtime

    @property
    def subscriptions(self) -> list[Consumes]:
        """(consumer group, topic) of every subscriber on the service's broker; the
        several Kafka consumers of one group in a process count once."""
        prefix = self.runtime.settings.kafka_topic_prefix
        found = set()
        for sub in self.runtime.broker.subscribers:
            # Kafka subscribers carry these; the broker's generic type does not say so
            group = str(getattr(sub, "group_id", None)).removeprefix(prefix)
            topics: list[str] = list(getattr(sub, "topic_names", ()))
            found.update(Consumes(group, Topic(t.removeprefix(prefix))) for t in topics)
        return sorted(found)


@contextlib.contextmanager
def recording_runtimes() -> Iterator[list[Runtime]]:
    made: list[Runtime] = []
    original = Runtime.__init__

    def record(self: Runtime, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        made.append(self)

    Runtime.__init__ = record  # type: ignore[method-assign]
    try:
        yield made
    finally:
        Runtime.__init__ = original  # type: ignore[method-assign]


def build(manifest: ServiceManifest, **settings: Any) -> Built:
    with recording_runtimes() as made:
        app = build_app(manifest, placeholder_settings(manifest, **settings))
    if len(made) != 1:
        raise AssertionError(f"{manifest.name}'s app factory built {len(made)} runtimes, not 1")
    return Built(manifest, app, made[0])
