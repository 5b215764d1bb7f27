"""CPU time by process group, from /proc: where the cores went during a measured window.

A pipeline figure alone cannot say whether Herald waited or worked; the CPU each process
spent per recipient can. Groups: the five services (by pid), the broker and Postgres
(every process whose command line names them, children included), and the rest.
"""

import os
from collections.abc import Mapping
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def _cpu_s(pid: int) -> float:
    """utime + stime of one process, in seconds (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except (FileNotFoundError, ProcessLookupError):
        return ""


def snapshot(services: Mapping[str, int]) -> dict[str, float]:
    """CPU seconds so far: each service, `broker` (Tansu), `postgres`, `other`."""
    by_pid = {pid: name for name, pid in services.items()}
    out = dict.fromkeys([*services, "broker", "postgres", "other"], 0.0)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        if pid == os.getpid():
            continue
        name = by_pid.get(pid)
        if name is None:
            cmd = _cmdline(pid)
            name = "broker" if "tansu" in cmd else "postgres" if "postgres" in cmd else "other"
        out[name] += _cpu_s(pid)
    return out


def stack_snapshot(
    services: Mapping[str, int], broker_pid: int | None, database: str
) -> dict[str, float]:
    """CPU seconds so far of one stack only: its services, its own broker and the Postgres
    backends serving its database. On a shared machine `snapshot` counts every broker
    and the whole shared Postgres server; this counts none of theirs (and none of the
    server's own background writers either, so Postgres is somewhat undercounted)."""
    out = {name: _cpu_s(pid) for name, pid in services.items()}
    out["broker"] = _cpu_s(broker_pid) if broker_pid else 0.0
    out["postgres"] = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and f" {database} " in _cmdline(int(entry.name)):
            out["postgres"] += _cpu_s(int(entry.name))
    return out


def spent(before: Mapping[str, float], after: Mapping[str, float]) -> dict[str, float]:
    """CPU seconds per group between two snapshots (processes that ended are not counted)."""
    return {k: round(max(0.0, after[k] - before.get(k, 0.0)), 2) for k in after}
