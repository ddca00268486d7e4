"""Read and convert throughput on a large chat JSONL, side by side with json and orjson.

Builds (once, under bench/out/) a realistic OpenAI-chat JSONL of at least 200 MB: system,
user and assistant turns, some multi-turn, some tool calls and tool results, code blocks,
rows of about 2-4 KB. Then measures on that same file, in one run:

  json.loads loop     - read each line and json.loads it
  orjson.loads loop   - read each line and orjson.loads it
  curate read_records - the library read: parse, validate, canonicalise, provenance
  curate convert      - the CLI as a subprocess, to openai-jsonl (read + write), with peak RSS

and prints MB/s for each and the ratio of curate to orjson (goal: at least 0.25).
``--big`` also converts a 1 GB input and reports its peak RSS (goal: under 1 GB).

    .venv/bin/python bench/convert_bench.py            # 200 MB
    .venv/bin/python bench/convert_bench.py --big      # plus the 1 GB streaming check
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import orjson

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
GOAL_RATIO = 0.25
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


def bench_loads(path: Path, loads) -> float:
    start = time.perf_counter()
    n = 0
    with open(path, "rb") as fh:
        for line in fh:
            loads(line)
            n += 1
    return time.perf_counter() - start


def bench_read_records(path: Path) -> tuple[float, int, int]:
    from curate.api import read_records
    from curate.records import Record

    start = time.perf_counter()
    records = rejects = 0
    for item in read_records(path):
        if isinstance(item, Record):
            records += 1
        else:
            rejects += 1
    return time.perf_counter() - start, records, rejects


_RUSAGE_WRAPPER = (
    "import resource, subprocess, sys, time, json\n"
    "t = time.perf_counter(); rc = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE).returncode\n"
    "w = time.perf_counter() - t\n"
    "print(json.dumps({'rc': rc, 'wall': w, 'maxrss_kb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))\n"
)


def bench_convert(path: Path, output: Path) -> dict:
    """``curate convert`` as a subprocess: wall time and peak RSS of that process alone."""
    curate = Path(sys.executable).parent / "curate"
    cmd = [str(curate), "convert", str(path), "--to", "openai-jsonl", "-o", str(output), "--json"]
    done = subprocess.run([sys.executable, "-c", _RUSAGE_WRAPPER, *cmd], capture_output=True, check=True)
    result = json.loads(done.stdout)
    if result["rc"] not in (0, 1):
        raise SystemExit(f"curate convert failed with exit code {result['rc']}")
    return result


def run(mb: int, big: bool, repeat: int) -> int:
    path = build(OUT / f"chat_{mb}mb.jsonl", mb)
    size = path.stat().st_size
    print(f"input: {path.relative_to(ROOT)}  {size / 1e6:.0f} MB, best of {repeat} runs each")
    t_json = t_orjson = t_read = float("inf")
    conv: dict = {}
    for _ in range(repeat):  # interleaved, so a busy moment on the machine hits every stage
        t_json = min(t_json, bench_loads(path, json.loads))
        t_orjson = min(t_orjson, bench_loads(path, orjson.loads))
        t_r, records, rejects = bench_read_records(path)
        t_read = min(t_read, t_r)
        c = bench_convert(path, OUT / "converted.jsonl")
        if not conv or c["wall"] < conv["wall"]:
            conv = c
    orjson_mbs = _mbs(size, t_orjson)
    rows = [
        ("json.loads loop", _mbs(size, t_json), t_json),
        ("orjson.loads loop", orjson_mbs, t_orjson),
        ("curate read_records", _mbs(size, t_read), t_read),
        ("curate convert (CLI)", _mbs(size, conv["wall"]), conv["wall"]),
    ]
    print(f"{'':24}{'MB/s':>9}{'seconds':>10}{'x orjson':>10}")
    for name, mbs, secs in rows:
        print(f"{name:24}{mbs:9.1f}{secs:10.2f}{mbs / orjson_mbs:10.2f}")
    print(f"records {records}, rejects {rejects}; convert peak RSS {conv['maxrss_kb'] / 1024:.0f} MB")
    ratio = _mbs(size, t_read) / orjson_mbs
    ok = ratio >= GOAL_RATIO
    print(f"read_records / orjson = {ratio:.2f} (goal >= {GOAL_RATIO}): {'PASS' if ok else 'MISS'}")
    (OUT / "converted.jsonl").unlink(missing_ok=True)
    if big:
        big_path = build(OUT / "chat_1000mb.jsonl", 1000)
        big_size = big_path.stat().st_size
        conv = bench_convert(big_path, OUT / "converted_big.jsonl")
        rss = conv["maxrss_kb"] / 1024
        rss_ok = rss < GOAL_RSS_MB
        ok = ok and rss_ok
        print(
            f"1 GB convert: {big_size / 1e6:.0f} MB in {conv['wall']:.1f} s "
            f"({_mbs(big_size, conv['wall']):.1f} MB/s), peak RSS {rss:.0f} MB "
            f"(goal < {GOAL_RSS_MB} MB): {'PASS' if rss_ok else 'MISS'}"
        )
        (OUT / "converted_big.jsonl").unlink(missing_ok=True)
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=int, default=200, help="size of the benchmark file (default 200)")
    parser.add_argument("--big", action="store_true", help="also convert a 1 GB file (slow)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per stage; the best counts")
    args = parser.parse_args()
    return run(args.mb, args.big, max(1, args.repeat))


if __name__ == "__main__":
    sys.exit(main())
