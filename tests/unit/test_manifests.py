"""Each service's manifest says what the service really does.

The AsyncAPI document, the migration runner, the local stack, the deployment checks and
(later) the per-service Kafka ACLs are all derived from the manifests, so a manifest that
drifts from its service is a wrong document at best and, once the ACLs are generated,
a service refused by the broker. Two sources of truth are checked here:

- What a service consumes is what its app really subscribes: the app is built from the
  manifest with placeholder settings (nothing connects) and its broker's subscribers are
  read (tests.support.apps).
- What a service produces is read from its code, statically: every `publish` and
  `publish_many` call in the service's package, parsed (ast, not a regex), must name its
  topic as a `Topic` member, and the set of those topics (plus the dead-letter topic,
  which the runtime's batch consumers write for every service that consumes) must equal
  the manifest's. A call whose topic is not a literal `Topic.X` fails the check rather
  than being skipped, so no publisher can hide. A recording event bus would see only the
  paths a test happens to drive; the ACLs need every topic the code can write, and no
  topic it never writes, which only a look at every call site gives. The runtime's own
  Kafka broker must declare no publishers, so the event bus is the only way out.
"""

import ast
import importlib.metadata
import subprocess
import sys
from pathlib import Path

import pytest

from herald.contracts import Topic
from herald.devstack.services import SERVICES
from herald.runtime.manifest import Consumes, ServiceManifest, load
from herald.runtime.settings import ServiceSettings
from tests.support.apps import build

ROOT = Path(__file__).resolve().parents[2]
PUBLISHING = {"publish", "publish_many", "publish_batched"}
HEAVY = ("fastapi", "faststream", "aiokafka", "asyncpg", "httpx", "uvicorn", "opentelemetry")


def package_dir(manifest: ServiceManifest) -> Path:
    return ROOT / "services" / manifest.name / "src" / "herald" / manifest.name


def published(package: Path) -> tuple[set[Topic], list[str]]:
    """Topics named by the package's publish calls, and the calls naming none literally."""
    topics: set[Topic] = set()
    unresolved: list[str] = []
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in PUBLISHING
            ):
                continue
            arg = node.args[0] if node.args else None
            arg = arg or next((k.value for k in node.keywords if k.arg == "topic"), None)
            if (
                isinstance(arg, ast.Attribute)
                and isinstance(arg.value, ast.Name)
                and arg.value.id == "Topic"
                and arg.attr in Topic.__members__
            ):
                topics.add(Topic[arg.attr])
            else:
                unresolved.append(f"{path.relative_to(package.parent)}:{node.lineno}")
    return topics, unresolved


def test_every_service_has_a_manifest_and_the_devstack_depends_on_it() -> None:
    on_disk = {p.parent.name for p in (ROOT / "services").glob("*/pyproject.toml")}
    assert {m.name for m in SERVICES} == on_disk
    for m in SERVICES:
        assert (package_dir(m) / "manifest.py").is_file(), m.name
    requires = importlib.metadata.requires("herald-devstack") or []
    assert {f"herald-{m.name}" for m in SERVICES} <= {r.split(";")[0].strip() for r in requires}


@pytest.mark.parametrize("manifest", SERVICES, ids=lambda m: m.name)
def test_consumes_exactly_what_the_app_subscribes(manifest: ServiceManifest) -> None:
    built = build(manifest)
    assert built.runtime.name == manifest.name
    assert built.subscriptions == sorted(manifest.consumes), (
        f"{manifest.name} subscribes {built.subscriptions}: update its manifest"
    )
    assert not list(built.runtime.broker.publishers), "publishing goes through the event bus"


@pytest.mark.parametrize("manifest", SERVICES, ids=lambda m: m.name)
def test_produces_exactly_what_the_code_publishes(manifest: ServiceManifest) -> None:
    topics, unresolved = published(package_dir(manifest))
    assert not unresolved, f"publish calls without a literal Topic member: {unresolved}"
    if manifest.consumes:
        topics.add(Topic.DLQ)
    assert set(manifest.produces) == topics, (
        f"{manifest.name} publishes {sorted(topics)}: update its manifest"
    )


def test_the_publish_finder_refuses_what_it_cannot_resolve(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(
        "async def f(events, topic):\n"
        "    await events.publish(Topic.STATUS, 'k', None)\n"
        "    await events.publish_many(topic=Topic.SENDS, items=[])\n"
        "    await events.publish(topic, 'k', None)\n",
        encoding="utf-8",
    )
    topics, unresolved = published(tmp_path)
    assert topics == {Topic.STATUS, Topic.SENDS}
    assert len(unresolved) == 1 and unresolved[0].endswith("a.py:4")


@pytest.mark.parametrize("manifest", SERVICES, ids=lambda m: m.name)
def test_settings_port_and_migrations_are_the_services_own(manifest: ServiceManifest) -> None:
    settings = manifest.settings_class()
    assert issubclass(settings, ServiceSettings)
    assert settings.model_fields["http_port"].default == manifest.http_port
    built = build(manifest)
    assert isinstance(built.runtime.settings, settings)
    assert manifest.migrations == package_dir(manifest) / "migrations"
    assert any(manifest.migrations.glob("*.sql"))


def test_ports_are_distinct() -> None:
    ports = [m.http_port for m in SERVICES]
    assert len(set(ports)) == len(ports)


def test_manifests_import_nothing_heavy() -> None:
    """The migration image and the tools load manifests without a service's app."""
    code = (
        "import sys\n"
        + "".join(f"import herald.{m.name}.manifest\n" for m in SERVICES)
        + f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}"
        " or (m.startswith('herald.') and m.endswith('.main'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_a_manifest_refuses_a_bad_name_a_repeated_consumer_and_a_bad_import_path() -> None:
    base = {"settings": "x:Y", "app": "x:z", "http_port": 1, "migrations": None}
    with pytest.raises(ValueError, match="identifier"):
        ServiceManifest(name="not-a-name", **base)  # type: ignore[arg-type]
    twice = (Consumes("g", Topic.STATUS), Consumes("g", Topic.STATUS))
    with pytest.raises(ValueError, match="twice"):
        ServiceManifest(name="svc", consumes=twice, **base)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not an import path"):
        load("herald.intake.main.create_app")
