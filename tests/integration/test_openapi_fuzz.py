"""Property-based runs (schemathesis) against every service's OpenAPI document, over real
HTTP, each service in-process on the real broker and Postgres.

A generated request must never get a server error, nor a status or body its document
does not describe. The admin key passes every role check, so the runs reach every
operation. Known findings, left to the services' own hardening, make the test xfail only
while the failing operations are exactly those known; a new one fails it, and so does a
known one no longer found (remove it from KNOWN).
"""

import asyncio
import os
import re
import shutil
import sys
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from herald.devstack.apps import build_app, placeholder_settings
from herald.devstack.services import SERVICES
from herald.runtime.manifest import ServiceManifest
from tests.support.keys import write_keys
from tests.support.serve import serving
from tests.support.service import create_topics, new_prefix, service_env

pytestmark = pytest.mark.integration
KNOWN: dict[str, dict[str, str]] = {}
# the default run keeps the suite inside its time budget; `HERALD_FUZZ=full` (make chaos's
# companion for a release) explores four times as many cases per operation
EXAMPLES = "100" if os.environ.get("HERALD_FUZZ") == "full" else "12"
FAILED_OPERATION = re.compile(r"^_+ ([A-Z]+ /\S*) _+$", re.MULTILINE)


@pytest.mark.parametrize("manifest", SERVICES, ids=lambda m: m.name)
async def test_generated_requests_find_no_server_error_and_no_undocumented_response(
    manifest: ServiceManifest, kafka: str, database_url: str, tmp_path: Path
) -> None:
    prefix = new_prefix()
    await create_topics(kafka, prefix)
    keys = write_keys(tmp_path / "keys.json")
    keys_file = str(tmp_path / "keys.json")
    env = service_env(kafka, database_url, prefix, api_keys_file=keys_file, http_docs=True)
    st = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert st, "schemathesis is a dev dependency"
    async with serving(_directory()) as directory:
        if manifest.name == "intake":  # its recipient lookup asks the scheduler's directory
            env["scheduler_url"] = directory
        settings = placeholder_settings(manifest, **env)
        report, returncode = await _run(st, build_app(manifest, settings), keys)
    failed = set(FAILED_OPERATION.findall(report))
    known = KNOWN.get(manifest.name, {})
    assert failed == set(known), report[-6000:]
    if known:
        pytest.xfail("; ".join(f"{op}: {why}" for op, why in sorted(known.items())))
    assert returncode == 0, report[-6000:]
    assert "passed" in report.lower()


def _directory() -> FastAPI:
    """A stand-in for the scheduler's directory, which knows no one (and is unavailable
    for anything else, as a scheduler that is not running would be)."""
    app = FastAPI()

    @app.get("/v1/recipients/{recipient_id}")
    async def nobody(recipient_id: str) -> JSONResponse:
        return JSONResponse({"status": 404, "code": "not_found", "title": "Not found"}, 404)

    @app.api_route("/{path:path}", methods=["GET", "POST"])
    async def away(path: str) -> JSONResponse:
        return JSONResponse({"status": 503, "code": "unavailable", "title": "Away"}, 503)

    return app


async def _run(st: str, app: FastAPI, keys: dict[tuple[str, str], str]) -> tuple[str, int]:
    async with serving(app) as base:
        proc = await asyncio.create_subprocess_exec(
            st,
            "run",
            f"{base}/openapi.json",
            "--checks",
            "not_a_server_error,response_schema_conformance,status_code_conformance",
            "--header",
            f"Authorization: Bearer {keys[('acme', 'admin')]}",
            "--max-examples",
            EXAMPLES,
            "--seed",
            "7",
            "--workers",
            "1",
            # generation health (too many generated cases filtered out by a deep schema,
            # e.g. a dry run's PushRequest) says nothing about the server
            "--suppress-health-check=filter_too_much",
            "--phases",
            "examples,coverage,fuzzing",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await proc.communicate()
    return out.decode(errors="replace"), proc.returncode or 0
