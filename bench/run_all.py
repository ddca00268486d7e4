"""Run every benchmark script in bench/ (``*_bench.py``), one after the other, and summarise.

GPU benchmarks under bench/gpu/ are not run here; they need a GPU machine.

    .venv/bin/python bench/run_all.py            # what `make bench` runs
    .venv/bin/python bench/run_all.py convert    # only the scripts whose name contains "convert"
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    wanted = argv[1:]
    scripts = sorted(p for p in HERE.glob("*_bench.py") if not wanted or any(w in p.name for w in wanted))
    if not scripts:
        print("no benchmark scripts found", file=sys.stderr)
        return 2
    results = []
    for script in scripts:
        print(f"=== {script.name}", flush=True)
        start = time.perf_counter()
        code = subprocess.run([sys.executable, str(script)], cwd=HERE.parent).returncode
        results.append((script.name, code, time.perf_counter() - start))
        print(flush=True)
    print("=== summary (exit 0: goals met)")
    for name, code, seconds in results:
        print(f"{name:28} exit {code}  {seconds:7.1f} s")
    return max(code for _, code, _ in results)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
