"""Read and convert throughput on a large chat JSONL, side by side with json and orjson.

Builds (once, under bench/out/) a realistic OpenAI-chat JSONL of at least 200 MB: system,
user and assistant turns, some multi-turn, some tool calls and tool results, code blocks,
rows of about 2-4 KB. Then measures on that same file, in one run, stages interleaved:

  json.loads loop          - read each line and json.loads it
  orjson.loads loop        - read each line and orjson.loads it (the read baseline)
  orjson loads+dumps loop  - read, orjson.loads, orjson.dumps, write to a file (the convert
                             baseline)
  curate read_records      - the library read: parse, validate, canonicalise, provenance
  curate convert (library) - ``curate.convert.convert`` to openai-jsonl, in this process
  curate convert (CLI)     - ``curate convert`` as a subprocess, to openai-jsonl, interpreter
                             start-up included, with peak RSS
  CLI to sharegpt          - the same to sharegpt

and prints the median MB/s of each and the ratios to the baselines. Goals: read_records at
least 0.25 of the orjson.loads loop; the CLI convert to openai-jsonl at least 0.25 of the
loads+dumps loop. ``--big`` also converts a 1 GB input and reports its peak RSS (goal: under
1 GB).

    .venv/bin/python bench/convert_bench.py               # 200 MB, 5 interleaved rounds
    .venv/bin/python bench/convert_bench.py --repeat 9    # more rounds on a busy machine
    .venv/bin/python bench/convert_bench.py --big         # plus the 1 GB streaming check
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

import orjson

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
GOAL_RATIO = 0.25  # read_records / orjson.loads loop
GOAL_CONVERT_RATIO = 0.25  # CLI convert / orjson loads+dumps loop
GOAL_RSS_MB = 1024

TOPICS = {
    "Spark": ["partition", "shuffle", "executor", "broadcast join", "DataFrame", "skew"],
    "Kafka": ["topic", "consumer group", "offset", "partition key", "retention", "broker"],
    "Airflow": ["DAG", "task", "sensor", "XCom", "scheduler", "backfill"],
    "SQL": ["window function", "index", "CTE", "join order", "query plan", "NULL handling"],
    "dbt": ["model", "incremental", "snapshot", "seed", "test", "macro"],
}
SENTENCES = [
    "In {t}, the {c} decides how work is spread across the cluster.",
    "A common mistake with {c} in {t} is to ignore how much data each step moves.",
    "You can check the {c} settings of {t} in the job's configuration and logs.",
    "When the {c} is wrong, {t} jobs slow down long before they fail outright.",
    "Prefer small, testable steps: change the {c} first, measure, then tune the rest.",
    "The documentation of {t} explains the {c} with examples worth reading twice.",
    "Monitoring the {c} over time shows whether {t} keeps up with the incoming data.",
]
CODE = [
    "```python\ndf = spark.read.parquet(path)\ndf.repartition(200, 'customer_id').write.mode('overwrite').parquet(out)\n```",
    "```sql\nSELECT customer_id, SUM(amount) OVER (PARTITION BY customer_id ORDER BY ts) AS running\nFROM payments\nWHERE ts >= DATE '2024-01-01';\n```",
    "```python\nwith DAG('daily_load', schedule='@daily', catchup=False) as dag:\n    extract >> transform >> load\n```",
    "```bash\nkafka-consumer-groups.sh --bootstrap-server localhost:9092 --describe --group billing\n```",
]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "run_sql",
            "description": "Run a read-only SQL query on the warehouse.",
            "parameters": {
                "type": "object",
                "properties": {"query": {"type": "string"}},
                "required": ["query"],
            },
        },
    }
]


def _paragraph(rng: random.Random, topic: str, n: int) -> str:
    concepts = TOPICS[topic]
    return " ".join(rng.choice(SENTENCES).format(t=topic, c=rng.choice(concepts)) for _ in range(n))


def make_row(rng: random.Random, i: int) -> dict:
    """One chat example of roughly 2-4 KB."""
    topic = rng.choice(list(TOPICS))
    messages = []
    if rng.random() < 0.7:
        messages.append({"role": "system", "content": f"You are a senior data engineer who knows {topic} well."})
    turns = 1 if rng.random() < 0.6 else rng.randint(2, 3)
    row: dict = {}
    for t in range(turns):
        messages.append({"role": "user", "content": f"Question {i}.{t}: " + _paragraph(rng, topic, rng.randint(1, 3))})
        if t == turns - 1 and rng.random() < 0.15:
            row["tools"] = TOOLS
            call_id = f"call_{i}"
            query = f"SELECT COUNT(*) FROM events WHERE topic = '{topic}' AND day = {rng.randint(1, 28)}"
            messages.append(
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": call_id,
                            "type": "function",
                            "function": {"name": "run_sql", "arguments": json.dumps({"query": query})},
                        }
                    ],
                }
            )
            messages.append({"role": "tool", "tool_call_id": call_id, "content": str(rng.randint(10, 10**6))})
        answer = _paragraph(rng, topic, rng.randint(6, 16 // turns + 4))
        if rng.random() < 0.4:
            answer += "\n\n" + rng.choice(CODE) + "\n\n" + _paragraph(rng, topic, 2)
        messages.append({"role": "assistant", "content": answer})
    row["messages"] = messages
    # grow the last answer until the row reaches its drawn size (2-4 KB, about 3 KB on average)
    target = rng.randint(2000, 4000)
    size = len(orjson.dumps(row))
    last = messages[-1]
    while size < target:
        extra = " " + rng.choice(SENTENCES).format(t=topic, c=rng.choice(TOPICS[topic]))
        last["content"] += extra
        size += len(extra)
    return row


def build(path: Path, target_mb: int, seed: int = 0) -> Path:
    """Write the benchmark file (skipped when it already has the right size)."""
    want = target_mb * 1_000_000
    if path.exists() and path.stat().st_size >= want:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    tmp = path.with_suffix(".tmp")
    size = i = 0
    with open(tmp, "wb") as fh:
        while size < want:
            line = orjson.dumps(make_row(rng, i)) + b"\n"
            fh.write(line)
            size += len(line)
            i += 1
    os.replace(tmp, path)
    return path


def _mbs(size: int, seconds: float) -> float:
    return size / 1_000_000 / seconds


class Clock:
    """Wall and CPU seconds of this process between ``start`` and ``stop``."""

    def __init__(self) -> None:
        self.wall = time.perf_counter()
        self.cpu = time.process_time()

    def stop(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


def bench_loads(path: Path, loads) -> tuple[float, float]:
    clock = Clock()
    with open(path, "rb") as fh:
        for line in fh:
            loads(line)
    return clock.stop()


def bench_loads_dumps(path: Path, output: Path) -> tuple[float, float]:
    """The plain conversion loop: each line through orjson.loads and orjson.dumps, to a file."""
    loads, dumps, option = orjson.loads, orjson.dumps, orjson.OPT_APPEND_NEWLINE
    clock = Clock()
    with open(path, "rb") as fh, open(output, "wb", buffering=1 << 20) as out:
        write = out.write
        for line in fh:
            write(dumps(loads(line), option=option))
    return clock.stop()


def bench_read_records(path: Path) -> tuple[tuple[float, float], int, int]:
    from curate.api import read_records
    from curate.records import Record

    clock = Clock()
    records = rejects = 0
    for item in read_records(path):
        if isinstance(item, Record):
            records += 1
        else:
            rejects += 1
    return clock.stop(), records, rejects


def bench_convert_library(path: Path, output: Path) -> tuple[float, float]:
    from curate.convert import convert

    clock = Clock()
    convert(path, output, "openai-jsonl")
    return clock.stop()


_RUSAGE_WRAPPER = (
    "import resource, subprocess, sys, time, json\n"
    "t = time.perf_counter(); rc = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE).returncode\n"
    "w = time.perf_counter() - t\n"
    "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(json.dumps({'rc': rc, 'wall': w, 'cpu': u.ru_utime + u.ru_stime, 'maxrss_kb': u.ru_maxrss}))\n"
)


def _cli_env() -> dict[str, str]:
    """The environment for the CLI: bytecode caching on, as for an installed command (without
    it every start compiles every module again)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def bench_convert(path: Path, output: Path, to: str = "openai-jsonl") -> dict:
    """``curate convert`` as a subprocess: wall time and peak RSS of that process alone."""
    curate = Path(sys.executable).parent / "curate"
    cmd = [str(curate), "convert", str(path), "--to", to, "-o", str(output), "--json"]
    done = subprocess.run(
        [sys.executable, "-c", _RUSAGE_WRAPPER, *cmd], capture_output=True, check=True, env=_cli_env()
    )
    result = json.loads(done.stdout)
    if result["rc"] not in (0, 1):
        raise SystemExit(f"curate convert failed with exit code {result['rc']}")
    return result


def bench_startup() -> tuple[float, float]:
    """``curate convert --help`` as a subprocess: interpreter start-up and the command's imports."""
    curate = Path(sys.executable).parent / "curate"
    cmd = [str(curate), "convert", "--help"]
    done = subprocess.run(
        [sys.executable, "-c", _RUSAGE_WRAPPER, *cmd], capture_output=True, check=True, env=_cli_env()
    )
    result = json.loads(done.stdout)
    return result["wall"], result["cpu"]


STAGES = (
    "json.loads loop",
    "orjson.loads loop",
    "orjson loads+dumps loop",
    "curate read_records",
    "curate convert (library)",
    "curate convert (CLI)",
    "CLI to sharegpt",
)


def run(mb: int, big: bool, repeat: int) -> int:
    path = build(OUT / f"chat_{mb}mb.jsonl", mb)
    size = path.stat().st_size
    print(f"input: {path.relative_to(ROOT)}  {size / 1e6:.0f} MB, median of {repeat} interleaved rounds")
    wall: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    rss: list[float] = []
    scratch = OUT / "converted.jsonl"

    def add(name: str, seconds: tuple[float, float]) -> None:
        wall.setdefault(name, []).append(seconds[0])
        cpu.setdefault(name, []).append(seconds[1])

    for _ in range(repeat):  # interleaved, so a busy moment on the machine hits every stage
        add("json.loads loop", bench_loads(path, json.loads))
        add("orjson.loads loop", bench_loads(path, orjson.loads))
        add("orjson loads+dumps loop", bench_loads_dumps(path, scratch))
        t_r, records, rejects = bench_read_records(path)
        add("curate read_records", t_r)
        add("curate convert (library)", bench_convert_library(path, scratch))
        conv = bench_convert(path, scratch)
        add("curate convert (CLI)", (conv["wall"], conv["cpu"]))
        rss.append(conv["maxrss_kb"] / 1024)
        conv = bench_convert(path, scratch, "sharegpt")
        add("CLI to sharegpt", (conv["wall"], conv["cpu"]))
        add("start-up", bench_startup())
    med = {name: statistics.median(values) for name, values in wall.items()}
    med_cpu = {name: statistics.median(values) for name, values in cpu.items()}
    read_base, conv_base = med["orjson.loads loop"], med["orjson loads+dumps loop"]
    print(f"{'':26}{'MB/s':>8}{'seconds':>9}{'x loads':>9}{'x loads+dumps':>15}{'CPU s':>8}{'CPU x l+d':>11}")
    for name in STAGES:
        secs, cpu_secs = med[name], med_cpu[name]
        print(
            f"{name:26}{_mbs(size, secs):8.1f}{secs:9.2f}{read_base / secs:9.2f}"
            f"{conv_base / secs:15.2f}{cpu_secs:8.2f}{med_cpu['orjson loads+dumps loop'] / cpu_secs:11.2f}"
        )
    print(
        f"records {records}, rejects {rejects}; convert peak RSS {statistics.median(rss):.0f} MB; "
        f"CLI start-up (curate convert --help) {med['start-up']:.2f} s ({med_cpu['start-up']:.2f} s CPU)"
    )
    ratio = read_base / med["curate read_records"]
    ok = ratio >= GOAL_RATIO
    print(f"read_records / orjson.loads = {ratio:.2f} (goal >= {GOAL_RATIO}): {'PASS' if ok else 'MISS'}")
    c_ratio = conv_base / med["curate convert (CLI)"]
    c_ok = c_ratio >= GOAL_CONVERT_RATIO
    ok = ok and c_ok
    print(
        f"convert (CLI) / orjson loads+dumps = {c_ratio:.3f} (goal >= {GOAL_CONVERT_RATIO}): "
        f"{'PASS' if c_ok else 'MISS'}"
    )
    scratch.unlink(missing_ok=True)
    if big:
        big_path = build(OUT / "chat_1000mb.jsonl", 1000)
        big_size = big_path.stat().st_size
        conv = bench_convert(big_path, OUT / "converted_big.jsonl")
        peak = conv["maxrss_kb"] / 1024
        rss_ok = peak < GOAL_RSS_MB
        ok = ok and rss_ok
        print(
            f"1 GB convert: {big_size / 1e6:.0f} MB in {conv['wall']:.1f} s "
            f"({_mbs(big_size, conv['wall']):.1f} MB/s), peak RSS {peak:.0f} MB "
            f"(goal < {GOAL_RSS_MB} MB): {'PASS' if rss_ok else 'MISS'}"
        )
        (OUT / "converted_big.jsonl").unlink(missing_ok=True)
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=int, default=200, help="size of the benchmark file (default 200)")
    parser.add_argument("--big", action="store_true", help="also convert a 1 GB file (slow)")
    parser.add_argument("--repeat", type=int, default=5, help="interleaved rounds; the median counts")
    args = parser.parse_args()
    return run(args.mb, args.big, max(1, args.repeat))


if __name__ == "__main__":
    sys.exit(main())
