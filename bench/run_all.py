"""`make bench`: every benchmark, one JSON line per figure, recorded under bench/results/.

Each figure is printed beside a baseline measured in the same run (bare broker, bare
HTTP client, bare COPY, bare matcher), since these machines are shared and noisy.
"""

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = (
    ("pipeline.py", []),
    ("review_engine.py", []),
    ("scheduler_expansion.py", []),
    ("tracker_ingest.py", []),
    ("dispatcher_channels.py", []),
    ("dispatcher_render.py", []),
    ("record_signing.py", []),
    ("provider_bulk.py", []),
    ("critical_lane.py", []),
)


def main() -> int:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    out = HERE / "results" / f"{datetime.now(UTC):%Y-%m-%dT%H%M}-{commit or 'nogit'}.jsonl"
    out.parent.mkdir(exist_ok=True)
    failed = 0
    with out.open("w", encoding="utf-8") as results:
        for script, args in SCRIPTS:
            proc = subprocess.run(
                [sys.executable, str(HERE / script), *args],
                capture_output=True,
                text=True,
                check=False,
            )
            lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
            for line in lines:
                sys.stdout.write(line + "\n")
                results.write(line + "\n")
            if proc.returncode != 0:
                failed += 1
                sys.stderr.write(f"{script} failed ({proc.returncode}):\n{proc.stderr[-3000:]}\n")
    sys.stderr.write(f"recorded in {out}\n")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
