"""What tooling needs to know about a service, declared by the service in one place.

Each service has a `manifest.py` holding one `ServiceManifest`: its name, settings, HTTP
port, migrations, the topics it consumes (with their consumer groups) and the topics it
produces. `declare` builds it from what differs between services (name, port, groups,
topics); the settings class, app factory and migrations follow the layout.

The AsyncAPI and OpenAPI generators, the migration runner, the local stack and the
deployment checks read manifests, never a service's modules; the per-service Kafka
ACLs are to be generated from them too, so the topics are exact
(tests/unit/test_manifests.py holds each manifest against what its service really does).

A manifest imports nothing heavy: the settings class and the app factory are named by
import path ("package.module:attribute") and loaded only by the tools that need them.
"""

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from herald.contracts.topics import Topic

if TYPE_CHECKING:
    from fastapi import FastAPI

    from herald.runtime.settings import ServiceSettings


@dataclass(frozen=True, slots=True, order=True)
class Consumes:
    """One consumer group reading one topic (names as in production: no test prefix)."""

    group: str
    topic: Topic


def load(path: str) -> Any:
    """The object an import path "package.module:attribute" names."""
    module, _, attribute = path.partition(":")
    if not module or not attribute:
        raise ValueError(f"not an import path of the form 'package.module:attribute': {path!r}")
    return getattr(importlib.import_module(module), attribute)


@dataclass(frozen=True, slots=True)
class ServiceManifest:
    name: str
    """The service's name: `herald.<name>` is its package, `python -m herald.<name>` runs it."""
    settings: str
    """Import path of its settings class (a subclass of herald.runtime.settings.ServiceSettings)."""
    app: str
    """Import path of its app factory: settings in, FastAPI app out (nothing connects)."""
    http_port: int
    """The port it serves HTTP on unless HTTP_PORT says otherwise (its settings' default)."""
    migrations: Path | None
    """The folder of SQL migrations it applies at start-up, if it keeps state in Postgres."""
    consumes: tuple[Consumes, ...] = ()
    produces: frozenset[Topic] = field(default_factory=frozenset)
    """Every topic it may write, push.dlq.v1 included when it consumes anything."""

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise ValueError(f"a service name is a Python identifier: {self.name!r}")
        if len(set(self.consumes)) != len(self.consumes):
            raise ValueError(f"{self.name}: a consumer group and topic declared twice")

    def settings_class(self) -> "type[ServiceSettings]":
        return cast("type[ServiceSettings]", load(self.settings))

    def app_factory(self) -> "Callable[[ServiceSettings], FastAPI]":
        return cast("Callable[[ServiceSettings], FastAPI]", load(self.app))


def declare(
    name: str,
    *,
    home: str,
    http_port: int,
    consumes: Mapping[str, Topic],
    produces: Iterable[Topic],
) -> ServiceManifest:
    """A service's manifest from what differs between services; the rest follows the layout.

    `home` is the manifest module's `__file__`: its migrations are the `migrations` folder
    beside it. `consumes` maps a consumer group's suffix to its topic: `""` is the group
    `herald-<name>` itself, `"cancels"` is `herald-<name>-cancels`. Settings are
    `herald.<name>.settings:<Name>Settings`, the app factory `herald.<name>.main:create_app`.
    """
    migrations = Path(home).parent / "migrations"
    return ServiceManifest(
        name=name,
        settings=f"herald.{name}.settings:{name.capitalize()}Settings",
        app=f"herald.{name}.main:create_app",
        http_port=http_port,
        migrations=migrations if migrations.is_dir() else None,
        consumes=tuple(
            Consumes(f"herald-{name}-{suffix}" if suffix else f"herald-{name}", topic)
            for suffix, topic in consumes.items()
        ),
        produces=frozenset(produces),
    )
