"""Where a service's Python memory goes: a debugging aid, off by default.

`MEMORY_TRACE_FRAMES` > 0 starts `tracemalloc` with that many frames per allocation
before the app is built. Then `kill -USR1 <pid>` (and, with `MEMORY_TRACE_EVERY_S`, that
often) logs `memory_top`: the live allocations grouped by traceback, largest first, and
what grew most since the previous dump. Tracing costs CPU (roughly doubles it) and
memory (the traces themselves), so it is for a debugging run, never for production.
The dump is logged at warning level so it shows under the benches' `LOG_LEVEL=WARNING`.
It reports Python allocations only: RSS above them is the allocator keeping freed
arenas, or C libraries.
"""

import signal
import threading
import tracemalloc
from types import FrameType

import structlog

log = structlog.get_logger(__name__)
TOP = 12


class MemoryTrace:
    def __init__(self, frames: int, every_s: float = 0.0) -> None:
        self._frames, self._every_s = frames, every_s
        self._previous: tracemalloc.Snapshot | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        tracemalloc.start(self._frames)
        signal.signal(signal.SIGUSR1, self._on_signal)
        if self._every_s > 0:
            threading.Thread(target=self._periodically, name="memtrace", daemon=True).start()

    def _on_signal(self, _signum: int, _frame: FrameType | None) -> None:
        self.dump()

    def _periodically(self) -> None:
        while not threading.Event().wait(self._every_s):
            self.dump()

    def dump(self) -> None:
        with self._lock:
            snapshot = tracemalloc.take_snapshot().filter_traces(
                [tracemalloc.Filter(False, tracemalloc.__file__)]
            )
            top = snapshot.statistics("traceback")[:TOP]
            grew = snapshot.compare_to(self._previous, "traceback")[:TOP] if self._previous else []
            self._previous = snapshot
        traced, peak = tracemalloc.get_traced_memory()
        log.warning(
            "memory_top",
            traced_mib=round(traced / 2**20, 1),
            peak_mib=round(peak / 2**20, 1),
            top=[_line(s.size, s.count, s.traceback) for s in top],
            grew=[_line(d.size_diff, d.count_diff, d.traceback) for d in grew],
        )


def _line(size: int, count: int, traceback: tracemalloc.Traceback) -> str:
    frames = " < ".join(f"{_short(f.filename)}:{f.lineno}" for f in reversed(traceback))
    return f"{size / 1024:.0f} KiB in {count}: {frames}"


def _short(filename: str) -> str:
    return "/".join(filename.rsplit("/", 2)[-2:])


def start_memory_trace(frames: int, every_s: float) -> None:
    """Trace allocations when `frames` > 0 (MEMORY_TRACE_FRAMES); else do nothing."""
    if frames > 0:
        MemoryTrace(frames, every_s).start()
