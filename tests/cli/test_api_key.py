"""Issue 16: the API key stays out of the process list and out of every output.

It is read from the environment, a key file (warned about when others may read it) or a
prompt at the terminal (nothing echoed); `--api-key` still works, with a warning.
"""

import asyncio
import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from herald.devstack.stack import Stack
from tests.cli.cli import Run, cli_env, heraldctl
from tests.cli.test_config import bare_env

PROMPT = b"Herald API key: "


def keyless(stack: Stack, home: Path) -> dict[str, str]:
    env = cli_env(stack, "viewer", home)
    del env["HERALD_API_KEY"]
    return env


def shown(run: Run, key: str) -> bool:
    return key in run.out + run.err


def key_file(path: Path, key: str, mode: int) -> Path:
    path.write_text(key + "\n")
    path.chmod(mode)
    return path


@pytest.mark.e2e
async def test_a_key_file_is_read_and_one_others_can_read_is_warned_about(
    stack: Stack, tmp_path: Path
) -> None:
    key = stack.keys["viewer"]
    env = keyless(stack, tmp_path)
    private = key_file(tmp_path / "viewer.key", key, 0o600)

    run = await heraldctl("--api-key-file", str(private), "reports", "--json", env=env)
    assert run.code == 0, run.err
    assert run.json()["tenant"] == "acme"
    assert "warning" not in run.err
    assert not shown(run, key)

    private.chmod(0o644)
    run = await heraldctl("reports", "--json", env=env | {"HERALD_API_KEY_FILE": str(private)})
    assert run.code == 0, run.err
    assert "can be read by other users" in run.err
    assert f"chmod 600 {private}" in run.err
    assert not shown(run, key)


@pytest.mark.e2e
async def test_the_api_key_flag_still_works_and_warns_that_others_can_see_it(
    stack: Stack, tmp_path: Path
) -> None:
    key = stack.keys["viewer"]
    run = await heraldctl("--api-key", key, "reports", "--json", env=keyless(stack, tmp_path))
    assert run.code == 0, run.err
    assert run.json()["tenant"] == "acme"  # stdout is still clean JSON
    assert "other users of this machine can see it" in run.err
    assert not shown(run, key)


@pytest.mark.e2e
async def test_a_refused_or_malformed_key_is_never_shown(stack: Stack, tmp_path: Path) -> None:
    env = keyless(stack, tmp_path)
    wrong = "hk_not_a_key_of_anyone_1234"
    refused = await heraldctl("reports", env=env | {"HERALD_API_KEY": wrong})
    assert refused.code == 1
    assert "401" in refused.err
    assert not shown(refused, wrong)

    broken = key_file(tmp_path / "broken.key", "hk_first_half\nhk_second_half", 0o600)
    run = await heraldctl("--api-key-file", str(broken), "reports", env=env)
    assert run.code == 2
    assert "characters no API key has" in run.err
    assert "hk_first_half" not in run.out + run.err

    both = await heraldctl("--api-key", wrong, "--api-key-file", str(broken), "config", env=env)
    assert both.code == 2
    assert "not both" in both.err
    assert not shown(both, wrong)


@pytest.mark.e2e
async def test_without_a_key_one_is_asked_for_at_the_terminal_and_not_echoed(
    stack: Stack, tmp_path: Path
) -> None:
    key = stack.keys["viewer"]
    run, terminal = await asyncio.to_thread(
        on_a_terminal, ["reports", "--json"], keyless(stack, tmp_path), key
    )
    assert run.code == 0, run.err
    assert run.json()["tenant"] == "acme"
    assert PROMPT in terminal
    assert key.encode() not in terminal
    assert not shown(run, key)


def test_a_config_file_holding_the_key_that_others_can_read_is_warned_about(
    tmp_path: Path,
) -> None:
    config = tmp_path / "heraldctl.toml"
    config.write_text('api_key = "hk_in_the_config_file"\n')
    config.chmod(0o644)
    run = asyncio.run(heraldctl("--config", str(config), "config", env=bare_env(tmp_path)))
    assert run.code == 0, run.err
    assert "config file (it holds the API key)" in run.err
    assert not shown(run, "hk_in_the_config_file")
    config.chmod(0o600)
    run = asyncio.run(heraldctl("--config", str(config), "config", env=bare_env(tmp_path)))
    assert "warning" not in run.err


TAKE_TERMINAL = (
    "import fcntl, os, sys, termios; fcntl.ioctl(0, termios.TIOCSCTTY, 0); "
    "os.execv(sys.executable, [sys.executable, '-m', 'herald.heraldctl', *sys.argv[1:]])"
)
"""Make stdin (the pseudo-terminal) the controlling terminal of the new session, then
become heraldctl (no preexec_fn: the test process has threads)."""


def on_a_terminal(args: list[str], env: dict[str, str], typed: str) -> tuple[Run, bytes]:
    """heraldctl with a pseudo-terminal as stdin and controlling terminal (getpass writes
    its prompt to it and reads from it); `typed` is entered once the prompt shows."""
    master, slave = os.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-c", TAKE_TERMINAL, *args],
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    terminal = _read_until(master, PROMPT, deadline=time.monotonic() + 60)
    os.write(master, typed.encode() + b"\n")
    out, err = proc.communicate(timeout=60)
    terminal += _read_until(master, b"\0", deadline=time.monotonic() + 1)
    os.close(master)
    return Run(proc.returncode, out.decode(), err.decode()), terminal


def _read_until(fd: int, marker: bytes, deadline: float) -> bytes:
    seen = b""
    while marker not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 1024)
        except OSError:  # the terminal closed
            break
        if not chunk:
            break
        seen += chunk
    return seen
