"""`heraldctl reports --by-label / --label / --providers` against tracker on a real port,
fed over the real broker and Postgres."""

import csv
import io
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from herald.devstack.postgres import create_database
from herald.tracker.main import create_app
from tests.cli.cli import Run, heraldctl
from tests.integration.tracker.harness import App, tracker_settings
from tests.integration.tracker.test_label_reports import a_campaign
from tests.support.kafka import TopicWatcher
from tests.support.keys import write_keys
from tests.support.serve import serving
from tests.support.service import create_topics, new_prefix

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def served(
    kafka: str, pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[App, str]]:
    folder = tmp_path_factory.mktemp("ctl")
    database_url = await create_database(pg_admin_url, f"trc_{uuid.uuid4().hex[:10]}")
    prefix = new_prefix()
    await create_topics(kafka, prefix)
    keys = write_keys(folder / "keys.json")
    settings = tracker_settings(
        kafka, database_url, prefix, api_keys_file=str(folder / "keys.json")
    )
    status = await TopicWatcher(kafka, prefix + "push.status.v1").start()
    engagement = await TopicWatcher(kafka, prefix + "push.engagement.v1").start()
    try:
        async with serving(create_app(settings)) as url:
            yield App(None, kafka, prefix, keys, status, engagement), url  # type: ignore[arg-type]
    finally:
        await status.stop()
        await engagement.stop()


async def ctl(served: tuple[App, str], home: Path, *args: str) -> Run:
    app, url = served
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HERALD_", "KAFKA_"))}
    env |= {
        "HERALD_API_KEY": app.keys[("acme", "viewer")],
        "HERALD_TRACKER_URL": url,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "COLUMNS": "240",
        "NO_COLOR": "1",
    }
    return await heraldctl(*args, env=env, cwd=home)


async def test_heraldctl_reports_per_label_value_with_providers(
    served: tuple[App, str], tmp_path: Path, uid: str
) -> None:
    key = await a_campaign(served[0], uid)
    since = ("--since", "1h")
    tables = await ctl(served, tmp_path, "reports", "--by-label", key, *since)
    assert tables.code == 0, tables.err
    assert f"by label {key}" in tables.out
    assert "spring" in tables.out and "autumn" in tables.out
    assert "by provider" in tables.out and "tencent" in tables.out
    assert "provider_failed 1" in tables.out

    as_json = await ctl(served, tmp_path, "reports", "--label", f"{key}:spring", "--json", *since)
    assert as_json.code == 0, as_json.err
    assert as_json.json()["total"]["recipients"] == 3

    as_csv = await ctl(
        served, tmp_path, "reports", "--by-label", key, "--csv", "--providers", *since
    )
    assert as_csv.code == 0, as_csv.err
    rows = list(csv.DictReader(io.StringIO(as_csv.out)))
    assert ("spring", "sms", "tencent") in {(r["label"], r["channel"], r["provider"]) for r in rows}

    both = await ctl(served, tmp_path, "reports", "--label", "a:b", "--by-label", "a")
    assert both.code == 2
