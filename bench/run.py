"""Run one benchmark of bench/ by name, or all of them; exit non-zero when any fails.

    python bench/run.py            # every bench/<name>.py (not run.py, not _private.py)
    python bench/run.py outbox     # bench/outbox.py only

Each benchmark runs as its own process (``python bench/<name>.py``) with its output passed
through; ``make bench [B=<name>]`` runs this with PostgreSQL and Redis (scripts/with-services.sh).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def available() -> list[str]:
    return sorted(p.stem for p in HERE.glob("*.py") if p.stem != "run" and not p.stem.startswith("_"))


def main(argv: list[str]) -> int:
    names = available()
    wanted = [name.removesuffix(".py") for name in argv if name.strip()]
    if not names:
        print("bench: no benchmarks in bench/", file=sys.stderr)
        return 2
    unknown = [name for name in wanted if name not in names]
    if unknown:
        print(f"bench: no benchmark named {', '.join(unknown)}; available: {', '.join(names)}", file=sys.stderr)
        return 2
    results: dict[str, int] = {}
    for name in wanted or names:
        print(f"== bench {name}", flush=True)
        started = time.monotonic()
        results[name] = subprocess.call([sys.executable, str(HERE / f"{name}.py")], cwd=HERE.parent)
        print(f"== bench {name}: exit {results[name]} after {time.monotonic() - started:.0f} s", flush=True)
    failed = [name for name, code in results.items() if code]
    if len(results) > 1:
        print(
            f"bench: {len(results) - len(failed)} of {len(results)} passed"
            + (f"; failed: {', '.join(failed)}" if failed else "")
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
