"""Each image installs exactly the package set `make run` runs for its service.

Every image comes from deploy/Dockerfile with a build argument (SERVICE=<service> or
SERVICE=migrate). No image can be built here, so the Dockerfile is checked against the
lock instead: the Dockerfile's own selection step (its shell, run here for each value of
SERVICE) gives the `--package` flags of its `uv sync`; `uv export` of those packages is
the set the image installs, and every package in it must be in the workspace environment
`make run` uses, at the same version. The builder must copy the sources of every
workspace member in that set; only the virtual environment, the start script and (for
migrate) the runner reach the final image.
"""

import importlib.metadata
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.utils import canonicalize_name

from herald.devstack.services import SERVICES
from tests.deploy.conftest import DEPLOY, ROOT

DOCKERFILE = DEPLOY / "Dockerfile"
MEMBERS = {str(p.parent.relative_to(ROOT)) for p in ROOT.glob("*/*/pyproject.toml")}
NAMES = [m.name for m in SERVICES]


@pytest.fixture(scope="module")
def dockerfile() -> str:
    return DOCKERFILE.read_text(encoding="utf-8")


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


def assert_runs_what_make_run_runs(members: set[str], pinned: dict[str, str]) -> None:
    env = installed()
    wanted = pinned | member_versions(members)
    wrong = {p: (v, env.get(p)) for p, v in wanted.items() if env.get(p) != v}
    assert not wrong, f"locked vs installed by `make run` (uv sync --frozen): {wrong}"


def select(dockerfile: str, service: str, tmp_path: Path) -> tuple[list[str], str]:
    """Run the Dockerfile's selection step as the builder would: ([packages], start)."""
    step = re.search(r"^RUN <<'EOF'\n(.*?)^EOF$", dockerfile, re.MULTILINE | re.DOTALL)
    assert step, "the selection step is a heredoc RUN"
    (tmp_path / "services").symlink_to(ROOT / "services")
    out = subprocess.run(
        ["/bin/sh", "-c", step[1]],
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"], "SERVICE": service},
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    packages = re.findall(r"^--package (\S+)$", (tmp_path / "packages").read_text(), re.MULTILINE)
    return packages, (tmp_path / "start").read_text()


def copied_sources(dockerfile: str) -> set[str]:
    """Directories copied whole (not just their pyproject.toml) into the builder."""
    copies = re.findall(r"^COPY (?!--from)(\S+) (\S+)$", dockerfile, re.MULTILINE)
    return {src.rstrip("/") for src, _dst in copies if (ROOT / src).is_dir()}


def final_stage(dockerfile: str) -> str:
    return re.split(r"^FROM ", dockerfile, flags=re.MULTILINE)[-1]


@pytest.mark.parametrize("name", NAMES)
def test_service_image_installs_its_locked_set_and_runs_the_service(
    name: str, dockerfile: str, tmp_path: Path
) -> None:
    packages, start = select(dockerfile, name, tmp_path)
    assert packages == [f"herald-{name}"]
    assert start.splitlines()[-1] == f'exec python -m herald.{name} "$@"'
    members, pinned = export(*packages)
    assert_runs_what_make_run_runs(members, pinned)
    assert {m for m in members if m.startswith("services/")} == {f"services/{name}"}
    assert all(any(m.startswith(d + "/") for d in copied_sources(dockerfile)) for m in members)


def test_migrate_image_holds_every_service_and_the_runner(dockerfile: str, tmp_path: Path) -> None:
    packages, start = select(dockerfile, "migrate", tmp_path)
    assert sorted(packages) == sorted(f"herald-{n}" for n in NAMES)
    assert start.splitlines()[-1] == 'exec python -m herald.devstack.migrate "$@"'
    members, pinned = export(*packages)
    assert_runs_what_make_run_runs(members, pinned)
    assert not {m for m in members if m.startswith("tools/")}, "not herald-devstack itself"
    runner = re.search(r"^COPY (tools/\S+ )+runner/herald/devstack/$", dockerfile, re.MULTILINE)
    assert runner, "the runner's modules are copied on their own"
    copied = {Path(p).name for p in runner[0].split()[1:-1]}
    # the runner imports only these of herald-devstack (tests/deploy/test_migrate.py runs it)
    assert copied == {"migrate.py", "services.py"}


@pytest.mark.parametrize("service", ["", "nonsense", "../tools/devstack", "Intake"])
def test_an_unknown_service_fails_the_build(service: str, dockerfile: str, tmp_path: Path) -> None:
    with pytest.raises(AssertionError, match=r"SERVICE|no service"):
        select(dockerfile, service, tmp_path)


def test_every_build_syncs_the_selected_packages_from_the_lock(dockerfile: str) -> None:
    syncs = re.findall(r"uv sync ([^\n\\]*)", dockerfile)
    assert len(syncs) == 2, "dependencies first, then the workspace members"
    for sync in syncs:
        assert sync.endswith("$(cat packages)")
        assert "--frozen" in sync and "--no-dev" in sync and "--no-editable" in sync
    assert "--no-install-workspace" in syncs[0]
    shape = set(re.findall(r"^COPY (\S+)/pyproject\.toml ", dockerfile, re.MULTILINE))
    assert shape == MEMBERS, "uv needs every member's pyproject.toml"
    assert copied_sources(dockerfile) == {"libs", "services"}


def test_final_image_is_the_environment_alone_run_as_a_numeric_non_root_user(
    dockerfile: str,
) -> None:
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11-slim\S*$", dockerfile, re.MULTILINE)
    final = final_stage(dockerfile)
    assert final.startswith("${PYTHON_IMAGE}\n")
    copies = re.findall(r"^COPY (.*)$", final, re.MULTILINE)
    assert copies == [
        "--from=builder /app/.venv /app/.venv",
        "--from=builder /src/runner /app/runner",
        "--from=builder /src/start /app/start",
    ]
    user = re.search(r"^USER (\d+)(?::(\d+))?$", final, re.MULTILINE)
    assert user and int(user[1]) > 0, "a numeric non-root user"
    assert 'CMD ["/app/start"]' in final


def test_no_other_dockerfile_is_left() -> None:
    found = {p for depth in range(4) for p in ROOT.glob("*/" * depth + "Dockerfile*")}
    assert found == {DOCKERFILE}
