"""Property-based runs (schemathesis) against every service's OpenAPI document, over real
HTTP, each service in-process on the real broker and Postgres.

A generated request must never get a server error, nor a status or body its document
does not describe. The admin key passes every role check, so the runs reach every
operation. Known findings, left to the services' own hardening, make the test xfail only
while the failing operations are exactly those known; a new one fails it, and so does a
known one no longer found (remove it from KNOWN).
"""

import asyncio
import re
import shutil
import sys
from pathlib import Path

import pytest

from herald.devstack.apps import build_app, placeholder_settings
from herald.devstack.services import SERVICES
from herald.runtime.manifest import ServiceManifest
from tests.support.keys import write_keys
from tests.support.serve import serving
from tests.support.service import create_topics, new_prefix, service_env

pytestmark = pytest.mark.integration
KNOWN: dict[str, dict[str, str]] = {}
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
    settings = placeholder_settings(manifest, **env)
    st = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert st, "schemathesis is a dev dependency"
    async with serving(build_app(manifest, settings)) as base:
        proc = await asyncio.create_subprocess_exec(
            st,
            "run",
            f"{base}/openapi.json",
            "--checks",
            "not_a_server_error,response_schema_conformance,status_code_conformance",
            "--header",
            f"Authorization: Bearer {keys[('acme', 'admin')]}",
            "--max-examples",
            "25",
            "--seed",
            "7",
            "--workers",
            "1",
            "--phases",
            "examples,coverage,fuzzing",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await proc.communicate()
    report = out.decode(errors="replace")
    failed = set(FAILED_OPERATION.findall(report))
    known = KNOWN.get(manifest.name, {})
    assert failed == set(known), report[-6000:]
    if known:
        pytest.xfail("; ".join(f"{op}: {why}" for op, why in sorted(known.items())))
    assert proc.returncode == 0, report[-6000:]
    assert "passed" in report.lower()
