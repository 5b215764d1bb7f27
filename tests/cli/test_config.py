"""Settings precedence (flags > environment > file > defaults); the key is never shown."""

import asyncio
import os
from pathlib import Path

from tests.cli.cli import heraldctl


def bare_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HERALD_", "KAFKA_"))}
    return env | {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")} | extra


def test_flags_beat_environment_beat_file_beat_defaults(tmp_path: Path) -> None:
    (tmp_path / ".config").mkdir()
    (tmp_path / ".config" / "heraldctl.toml").write_text(
        'intake_url = "http://file:1"\nreview_url = "http://file:2"\napi_key = "hk_file_secret"\n'
    )
    env = bare_env(tmp_path, HERALD_REVIEW_URL="http://env:2", HERALD_TRACKER_URL="http://env:5")

    run = asyncio.run(
        heraldctl("--tracker-url", "http://flag:5", "config", "--json", env=env, cwd=tmp_path)
    )

    assert run.code == 0, run.err
    got = run.json()
    assert got["intake_url"] == {
        "value": "http://file:1",
        "source": f"file {tmp_path}/.config/heraldctl.toml",
    }
    assert got["review_url"] == {"value": "http://env:2", "source": "env"}
    assert got["tracker_url"] == {"value": "http://flag:5", "source": "flag"}
    assert got["bootstrap_servers"] == {"value": "127.0.0.1:9092", "source": "default"}
    assert got["api_key"]["value"] == "(set)"
    assert "hk_file_secret" not in run.out + run.err


def test_api_key_never_appears_in_errors(tmp_path: Path) -> None:
    env = bare_env(tmp_path, HERALD_API_KEY="hk_acme_secret_value")
    run = asyncio.run(
        heraldctl("--intake-url", "http://127.0.0.1:9", "status", "x", env=env, cwd=tmp_path)
    )
    assert run.code == 1
    assert "cannot reach intake" in run.err
    assert "hk_acme_secret_value" not in run.out + run.err


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    env = bare_env(tmp_path)
    missing = asyncio.run(
        heraldctl("--config", str(tmp_path / "none.toml"), "config", env=env, cwd=tmp_path)
    )
    assert missing.code == 2 and "does not exist" in missing.err
    no_key = asyncio.run(heraldctl("status", "x", env=env, cwd=tmp_path))
    assert no_key.code == 2 and "no API key" in no_key.err
    unknown = asyncio.run(heraldctl("status", env=env, cwd=tmp_path))
    assert unknown.code == 2
