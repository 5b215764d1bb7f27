"""Where each service spends its time, from the cProfile files `--profile DIR` writes.

python bench/pipeline.py --recipients 100000 --profile bench/tmp/profile
python bench/hotspots.py bench/tmp/profile
"""

import pstats
import sys
from pathlib import Path


def top(path: Path, n: int = 15) -> list[str]:
    stats = pstats.Stats(str(path))
    rows = []
    for (file, line, func), (_cc, calls, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if "/herald/" in file or tottime > 0.5:
            rows.append((tottime, cumtime, calls, f"{Path(file).name}:{line} {func}"))
    rows.sort(reverse=True)
    return [f"{t:7.2f}s self {c:7.2f}s cum {k:>9} calls  {name}" for t, c, k, name in rows[:n]]


if __name__ == "__main__":
    for f in sorted(Path(sys.argv[1]).glob("*.prof")):
        sys.stdout.write(f"== {f.stem}\n" + "\n".join(top(f)) + "\n")
