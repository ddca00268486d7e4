"""`curate synth` throughput against a local LLM server that answers in 200 ms.

The scripted OpenAI-compatible server (tests/fakeserver.py) runs in its own process, as a
real API would, and answers every request after ``--latency`` seconds. Measured in one run:

  library, 200 requests at concurrency 16   - synthesize() wall time against the ideal
                                              200 x 0.2 s / 16 = 2.5 s (goal: within 1.5x),
                                              three fresh workspaces, the median is judged
  repeated command                          - the same call again: requests sent (goal: 0)
  CLI end to end                            - `curate synth` as a subprocess on a fresh
                                              workspace (process start, SDK import and the
                                              checklist's tokenizer load included)

One-time process costs (SDK import, checklist and tokenizer load) are measured once and
reported apart; the library timings are of the requests.

Figures are printed and written to bench/out/synth_bench.json.

    .venv/bin/python bench/synth_bench.py
    .venv/bin/python bench/synth_bench.py --requests 400 --concurrency 32
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
GOAL_RATIO = 1.5
KEY = "sk-bench-not-a-real-key-0000"


def start_server(latency: float) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "fakeserver.py"), str(latency)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def server_total(url: str) -> int:
    with urllib.request.urlopen(url + "/_stats", timeout=5) as resp:
        return int(json.loads(resp.read())["total"])


def library_run(url: str, root: Path, n: int, concurrency: int) -> tuple[float, int, int]:
    """Wall seconds of one synthesize() call, records counted, requests the server saw."""
    from curate.synth.generate import SynthOptions, synthesize
    from curate.workspace import open_workspace

    before = server_total(url)
    options = SynthOptions(
        topic="Kafka ops",
        n=n,
        provider="openai",
        base_url=url + "/v1",
        model="gpt-4.1-mini",
        concurrency=concurrency,
        allow_over_ratio=True,
        api_key=KEY,
    )
    with open_workspace(root) as ws:
        start = time.perf_counter()
        result = synthesize(ws, options)
        wall = time.perf_counter() - start
    assert result.stats is not None
    return wall, result.stats.counted, server_total(url) - before


def cli_run(url: str, root: Path, n: int, concurrency: int) -> tuple[float, int]:
    env = {**os.environ, "OPENAI_API_KEY": KEY}
    before = server_total(url)
    cmd = [
        sys.executable,
        "-m",
        "curate.cli.main",
        "synth",
        "--topic",
        "Kafka ops",
        "-n",
        str(n),
        "--provider",
        "openai",
        "--base-url",
        url + "/v1",
        "--concurrency",
        str(concurrency),
        "--allow-over-ratio",
        "--json",
    ]
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"curate synth failed: {done.stderr}")
    return wall, server_total(url) - before


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    # One-time process costs are not part of a request's time: the SDK import (about 1 s)
    # and loading the checklist with its tokenizer (1-2 s). The CLI figure includes them.
    start = time.perf_counter()
    import openai  # noqa: F401

    from curate.synth.quality import HardChecks
    from curate.workspace import init_workspace

    HardChecks().warm()
    warmup = time.perf_counter() - start
    print(f"one-time warm-up (SDK import, checklist and tokenizer load): {warmup:.2f} s")

    ideal = args.requests * args.latency / args.concurrency
    proc, url = start_server(args.latency)
    results: dict = {"requests": args.requests, "concurrency": args.concurrency}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            walls = []
            for i in range(args.repeats):
                root = Path(tmp) / f"ws{i}"
                init_workspace(root).close()
                wall, counted, sent = library_run(url, root, args.requests, args.concurrency)
                assert counted == args.requests and sent == args.requests, (counted, sent)
                walls.append(wall)
                print(
                    f"library run {i + 1}: {wall:.2f} s for {sent} requests ({wall / ideal:.2f}x ideal)"
                )
            again_wall, again_counted, again_sent = library_run(
                url, Path(tmp) / "ws0", args.requests, args.concurrency
            )
            print(f"repeated command: {again_sent} requests, {again_wall:.2f} s")
            cli_root = Path(tmp) / "cli"
            init_workspace(cli_root).close()
            cli_wall, cli_sent = cli_run(url, cli_root, args.requests, args.concurrency)
            print(f"CLI end to end: {cli_wall:.2f} s for {cli_sent} requests")
    finally:
        proc.kill()
    median = statistics.median(walls)
    results.update(
        latency_s=args.latency,
        ideal_s=round(ideal, 3),
        library_wall_s=[round(w, 3) for w in walls],
        library_median_s=round(median, 3),
        ratio_to_ideal=round(median / ideal, 3),
        goal_ratio=GOAL_RATIO,
        repeat_requests=again_sent,
        repeat_wall_s=round(again_wall, 3),
        cli_wall_s=round(cli_wall, 3),
        warmup_s=round(warmup, 3),
        load_average=os.getloadavg()[0],
    )
    OUT.mkdir(exist_ok=True)
    (OUT / "synth_bench.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    ok = median / ideal <= GOAL_RATIO and again_sent == 0
    print(
        f"\nideal {ideal:.2f} s, median {median:.2f} s = {median / ideal:.2f}x "
        f"(goal <= {GOAL_RATIO}x); repeated run sent {again_sent} (goal 0): "
        f"{'PASS' if ok else 'FAIL'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
