"""Each image installs exactly the package set `make run` runs for that service.

No image can be built here, so the Dockerfiles are checked against the lock instead:
`uv export --package herald-<name>` is the set the image's `uv sync --package
herald-<name> --frozen --no-dev` installs, and every package in it must be in the
workspace environment `make run` uses, at the same version. The Dockerfile must copy the
sources of exactly the workspace members in that set: nothing of another service.
"""

import importlib.metadata
import re
import shutil
import subprocess

import pytest
from packaging.markers import Marker
from packaging.utils import canonicalize_name

from tests.deploy.conftest import DEPLOY, ROOT, Built

MEMBERS = {str(p.parent.relative_to(ROOT)) for p in ROOT.glob("*/*/pyproject.toml")}


def export(*packages: str) -> tuple[set[str], dict[str, str]]:
    """(workspace member paths, {package: version}) of the packages' locked set."""
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not on PATH: cannot export the locked package set")
    args = [uv, "export", "--frozen", "--no-dev", "--no-hashes", "--no-header"]
    args += ["--no-annotate", "--no-editable", *(a for p in packages for a in ("--package", p))]
    out = subprocess.run(args, capture_output=True, text=True, check=True, cwd=ROOT).stdout
    members, pinned = set(), {}
    for line in out.splitlines():
        requirement, _, marker = line.partition(";")
        requirement = requirement.strip()
        if not requirement or requirement.startswith("#"):
            continue
        if marker.strip() and not Marker(marker.strip()).evaluate():
            continue
        if requirement.startswith("./"):
            members.add(requirement.removeprefix("./"))
        else:
            name, version = requirement.split("==")
            pinned[canonicalize_name(name)] = version
    return members, pinned


def installed() -> dict[str, str]:
    return {
        canonicalize_name(d.metadata["Name"]): d.version for d in importlib.metadata.distributions()
    }


def member_versions(members: set[str]) -> dict[str, str]:
    versions = {}
    for path in members:
        text = (ROOT / path / "pyproject.toml").read_text(encoding="utf-8")
        name = re.search(r'^name = "([^"]+)"', text, re.MULTILINE)
        version = re.search(r'^version = "([^"]+)"', text, re.MULTILINE)
        assert name and version, path
        versions[canonicalize_name(name[1])] = version[1]
    return versions


def copied_sources(dockerfile: str) -> set[str]:
    """Directories copied whole (not just their pyproject.toml) into the builder."""
    copies = re.findall(r"^COPY (?!--from)(\S+) (\S+)$", dockerfile, re.MULTILINE)
    return {src.rstrip("/") for src, _dst in copies if (ROOT / src).is_dir()}


def shape_copies(dockerfile: str) -> set[str]:
    return set(re.findall(r"^COPY (\S+)/pyproject\.toml ", dockerfile, re.MULTILINE))


def final_stage(dockerfile: str) -> str:
    return re.split(r"^FROM ", dockerfile, flags=re.MULTILINE)[-1]


def assert_runs_what_make_run_runs(members: set[str], pinned: dict[str, str]) -> None:
    env = installed()
    wanted = pinned | member_versions(members)
    wrong = {p: (v, env.get(p)) for p, v in wanted.items() if env.get(p) != v}
    assert not wrong, f"locked vs installed by `make run` (uv sync --frozen): {wrong}"


@pytest.mark.parametrize("name", ["intake", "review", "scheduler", "dispatcher", "tracker"])
def test_service_image_installs_its_locked_set_and_nothing_else(
    name: str, services: dict[str, Built]
) -> None:
    dockerfile = (ROOT / "services" / name / "Dockerfile").read_text(encoding="utf-8")
    members, pinned = export(f"herald-{name}")
    assert_runs_what_make_run_runs(members, pinned)
    assert f"services/{name}" in members
    assert not {m for m in members if m.startswith("services/")} - {f"services/{name}"}

    syncs = re.findall(r"uv sync ([^\n\\]*)", dockerfile)
    assert syncs, "the builder installs with uv sync"
    for sync in syncs:
        assert f"--package herald-{name} " in sync + " "
        assert "--frozen" in sync and "--no-dev" in sync
    assert copied_sources(dockerfile) == members
    assert shape_copies(dockerfile) == MEMBERS, "uv needs every member's pyproject.toml"

    final = final_stage(dockerfile)
    assert re.match(r"\$\{PYTHON_IMAGE\}|python:3\.11-slim", final)
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11-slim\S*$", dockerfile, re.MULTILINE)
    user = re.search(r"^USER (\d+)(?::(\d+))?$", final, re.MULTILINE)
    assert user and int(user[1]) > 0, "a numeric non-root user"
    assert re.search(rf"^EXPOSE {services[name].settings.http_port}$", final, re.MULTILINE)
    assert f'CMD ["python", "-m", "herald.{name}"]' in final


def test_migrate_image_holds_every_service_and_the_runner(services: dict[str, Built]) -> None:
    dockerfile = (DEPLOY / "migrate/Dockerfile").read_text(encoding="utf-8")
    packages = [f"herald-{s}" for s in services]
    members, pinned = export(*packages)
    assert_runs_what_make_run_runs(members, pinned)
    sync = re.search(r"uv sync ((?:[^\n]|\\\n)*?[^\\])\n", dockerfile)
    assert sync
    assert sorted(re.findall(r"--package (\S+)", sync[1])) == sorted(packages)
    assert copied_sources(dockerfile) == members
    assert "tools/devstack/src/herald/devstack/migrate.py" in dockerfile
    final = final_stage(dockerfile)
    assert re.search(r"^USER [1-9]\d*", final, re.MULTILINE)
    assert 'CMD ["python", "-m", "herald.devstack.migrate"]' in final
