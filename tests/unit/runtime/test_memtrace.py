"""The memory-trace debugging aid: a dump names where live allocations were made, and
the next one what grew since."""

import tracemalloc

from structlog.testing import capture_logs

from herald.runtime.memtrace import MemoryTrace


def test_a_dump_names_the_largest_allocations_and_what_grew_since_the_last() -> None:
    trace = MemoryTrace(frames=3)
    tracemalloc.start(3)
    try:
        with capture_logs() as logs:
            trace.dump()
            held = [bytearray(4096) for _ in range(500)]
            trace.dump()
    finally:
        tracemalloc.stop()
    first, second = (e for e in logs if e["event"] == "memory_top")
    assert first["grew"] == []
    assert any("test_memtrace.py" in line for line in second["top"])
    assert "test_memtrace.py" in second["grew"][0]
    assert len(held) == 500
