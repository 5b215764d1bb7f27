"""Property-based run (schemathesis) against intake's OpenAPI document, over real HTTP."""

import asyncio
import shutil
import sys
from pathlib import Path

import pytest

from herald.intake.main import create_app
from herald.intake.settings import IntakeSettings
from tests.support.keys import write_keys
from tests.support.serve import serving
from tests.support.service import create_topics, new_prefix, service_env

pytestmark = pytest.mark.integration


async def test_generated_requests_find_no_server_error_and_no_undocumented_response(
    kafka: str, database_url: str, tmp_path: Path
) -> None:
    prefix = new_prefix()
    await create_topics(kafka, prefix)
    keys = write_keys(tmp_path / "keys.json")
    settings = IntakeSettings(
        **service_env(
            kafka, database_url, prefix, api_keys_file=str(tmp_path / "keys.json"), http_docs=True
        )
    )
    st = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert st, "schemathesis is a dev dependency"
    async with serving(create_app(settings)) as base:
        proc = await asyncio.create_subprocess_exec(
            st,
            "run",
            f"{base}/openapi.json",
            "--checks",
            "not_a_server_error,response_schema_conformance,status_code_conformance",
            "--header",
            f"Authorization: Bearer {keys[('acme', 'submitter')]}",
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
    assert proc.returncode == 0, report[-6000:]
    assert "passed" in report.lower()
