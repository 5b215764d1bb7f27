"""`make run` as a newcomer meets it: in a terminal, in a fresh folder, nothing set.

The devstack's entrypoint runs on a pseudo-terminal: it prints readable coloured lines
(no JSON) and a banner; the banner's one command, run as printed, submits the README
example, which completes with every demo recipient sent to, and the dispatcher's line
for the push shows on the terminal. Ctrl-C then stops everything, without errors.
"""

import asyncio
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from herald.devstack.stack import SERVICE_PORTS
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e(own_stack=True)
ROOT = Path(__file__).resolve().parents[2]
ANSI = re.compile(r"\x1b\[[0-9;]*m")
UNSET = ("KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL", "LOG_FORMAT", "NO_COLOR", "LOG_JSON")


class Terminal:
    """A process group on a pseudo-terminal; its output collected as it comes."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str]) -> None:
        master, slave = os.openpty()
        self.process = subprocess.Popen(
            args,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=slave,
            stderr=slave,
            start_new_session=True,
        )
        os.close(slave)
        self._master = master
        self._chunks: list[bytes] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self._master, 65536)
            except OSError:  # EIO: the last writer has gone
                return
            if not data:
                return
            self._chunks.append(data)

    @property
    def raw(self) -> str:
        return b"".join(self._chunks).decode("utf-8", errors="replace").replace("\r\n", "\n")

    @property
    def text(self) -> str:
        return ANSI.sub("", self.raw)

    def ctrl_c(self) -> None:
        """What Ctrl-C does: SIGINT to the terminal's foreground process group."""
        os.killpg(self.process.pid, signal.SIGINT)

    def close(self) -> None:
        """Ctrl-C first (the devstack then stops the broker and Postgres it started)."""
        if self.process.poll() is None:
            self.ctrl_c()
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._reader.join(timeout=5)
        os.close(self._master)


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def free_offset() -> int:
    """An offset that moves every port of the stack onto free ones."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            offset = int(probe.getsockname()[1]) % 20000 + 1000
        ports = [p + offset for p in (*SERVICE_PORTS.values(), 9092)]
        if not any(listening(p) for p in ports):
            return offset
    raise AssertionError("no free port range for a second stack")


def banner_command(text: str) -> str | None:
    lines = text.splitlines()
    heads = [i for i, line in enumerate(lines) if line.startswith("try (then README.md")]
    if not heads or heads[0] + 1 >= len(lines):
        return None
    command = lines[heads[0] + 1].strip()
    return command if command.endswith("push-request.json") else None


def keys(folder: Path) -> dict[str, str]:
    text = (folder / ".herald" / "dev-keys.env").read_text()
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


@pytest.fixture
def newcomer(tmp_path: Path) -> Path:
    examples = tmp_path / "docs" / "examples"
    examples.mkdir(parents=True)
    shutil.copy(ROOT / "docs" / "examples" / "push-request.json", examples)
    return tmp_path


async def test_first_make_run_and_first_request_end_in_a_push_on_the_terminal(
    newcomer: Path,
) -> None:
    offset = free_offset()
    env = {k: v for k, v in os.environ.items() if k not in UNSET}
    env["HERALD_PORT_OFFSET"] = str(offset)
    term = Terminal([sys.executable, "-m", "herald.devstack"], newcomer, env)
    try:
        command = await eventually(
            lambda: banner_command(term.text), timeout=180, interval=0.5, what="the banner"
        )
        assert "Herald is running" in term.text
        assert f"http://localhost:{8002 + offset}/console/" in term.text
        assert "\x1b[" in term.raw  # coloured on a terminal
        assert not [line for line in term.text.splitlines() if line.lstrip().startswith("{")]

        tried = await asyncio.to_thread(
            subprocess.run,
            ["bash", "-c", command],
            cwd=newcomer,
            capture_output=True,
            text=True,
            timeout=60,
        )
        answer = json.loads(tried.stdout)
        assert answer["status"] == "accepted", tried.stdout + tried.stderr

        viewer = {"authorization": f"Bearer {keys(newcomer)['HERALD_VIEWER_KEY']}"}
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{8001 + offset}", headers=viewer, timeout=10
        ) as intake:

            async def completed() -> dict[str, Any] | None:
                got: dict[str, Any] = (
                    await intake.get(f"/v1/requests/{answer['request_id']}")
                ).json()
                return got if got["status"] == "completed" else None

            done = await eventually(completed, timeout=60, what="the request completed")
        assert (done["counts"]["sent"], done["counts"]["suppressed"]) == (3, 0)
        await eventually(
            lambda: re.search(r"dispatcher\s+would_send .*channel=app_push", term.text),
            timeout=30,
            what="the push on the terminal",
        )

        term.ctrl_c()
        assert await asyncio.to_thread(term.process.wait, 90) == 0
        assert not [p for p in (8001, 8005, 9092) if listening(p + offset)]
        assert "ERROR" not in term.text, term.text[-3000:]
    finally:
        term.close()
