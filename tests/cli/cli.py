"""Run `heraldctl` as a subprocess against the session stack, as an operator would."""

import asyncio
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from herald.devstack.stack import Stack


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def cli_env(stack: Stack, role: str, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HERALD_", "KAFKA_"))}
    env.update(
        HERALD_API_KEY=stack.keys[role],
        HERALD_INTAKE_URL=f"http://127.0.0.1:{stack.ports['intake']}",
        HERALD_REVIEW_URL=f"http://127.0.0.1:{stack.ports['review']}",
        HERALD_TRACKER_URL=f"http://127.0.0.1:{stack.ports['tracker']}",
        HERALD_DISPATCHER_URL=f"http://127.0.0.1:{stack.ports['dispatcher']}",
        KAFKA_BOOTSTRAP_SERVERS=stack.bootstrap,
        HERALD_TOPIC_PREFIX=stack.topic_prefix,
        HERALD_PRODUCER_ID=stack.producer.id if stack.producer else "",
        HERALD_PRODUCER_SECRET=stack.producer.secret if stack.producer else "",
        HOME=str(home),  # no ~/.config/heraldctl.toml of the machine's user
        XDG_CONFIG_HOME=str(home / ".config"),
        COLUMNS="240",
        NO_COLOR="1",
    )
    return env


async def heraldctl(
    *args: str, env: dict[str, str], timeout: float = 60, cwd: Path | None = None
) -> Run:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "herald.heraldctl",
        *args,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    assert proc.returncode is not None
    return Run(proc.returncode, out.decode(), err.decode())


def push_request(rid: str, uid: str, **over: Any) -> dict[str, Any]:
    """A clean notification by the test's own submitter (the `ctl` fixture's key), so
    that strikes never touch other tests."""
    body: dict[str, Any] = {
        "request_id": rid,
        "tenant": "acme",
        "requester": {"department": f"dept-{uid}", "user": f"user-{uid}"},
        "goal": "Tell customers their parcel is on its way",
        "category": "notification",
        "channels": ["webhook"],
        "content": {"title": "Your parcel", "body": "It leaves the warehouse today."},
        "audience": {"recipients": [f"nobody-{uid}"]},
        "labels": {"test": uid},
    }
    body.update(over)
    return body
