"""Fixtures for the deployment checks: rendered overlays and the services as built.

Nothing here needs a cluster, an image build or a running broker: overlays are rendered
with `kubectl kustomize`; each service's consumer groups come from its manifest (held to
its app by tests/unit/test_manifests.py), and its app is built from the manifest with
placeholder settings, which connects to nothing but shows its settings and metrics.
"""

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import CollectorRegistry

from herald.devstack.services import SERVICES
from herald.runtime.settings import ServiceSettings
from tests.support.apps import build

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
OVERLAYS = ("dev", "prod")


@dataclass(frozen=True)
class Built:
    """One service as its composition root builds it."""

    name: str
    settings: ServiceSettings
    subscriptions: list[tuple[str, str]]
    registry: CollectorRegistry


def render(path: Path) -> list[dict[str, Any]]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed: cannot render the Kustomize overlays")
    out = subprocess.run(
        [kubectl, "kustomize", str(path)], capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, f"kubectl kustomize {path} failed:\n{out.stderr}"
    return [d for d in yaml.safe_load_all(out.stdout) if d]


@pytest.fixture(scope="session", params=OVERLAYS)
def overlay(request: pytest.FixtureRequest) -> tuple[str, list[dict[str, Any]]]:
    return request.param, render(DEPLOY / "overlays" / request.param)


@pytest.fixture(scope="session")
def rendered() -> dict[str, list[dict[str, Any]]]:
    return {name: render(DEPLOY / "overlays" / name) for name in OVERLAYS}


@pytest.fixture(scope="session")
def services() -> dict[str, Built]:
    built = {}
    for manifest in SERVICES:
        rt = build(manifest).runtime
        groups = [(c.group, str(c.topic)) for c in sorted(manifest.consumes)]
        built[manifest.name] = Built(manifest.name, rt.settings, groups, rt.registry)
    return built


def of_kind(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def load_yaml_docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]
