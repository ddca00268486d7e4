"""Benchmark `curate pipeline run` on both engines: wall time, driver peak RSS, records/s/core,
and precision/recall of the duplicate clusters against planted near-duplicates.

    .venv/bin/python bench/pipeline_bench.py --records 100000 --engines local,ray

Records are chat rows built from the samples' openai_chat.jsonl questions and answers with
varied words; a known share gets an exact copy and another a near copy (a few words changed,
well above the 0.5 Jaccard threshold), written as JSONL shards.
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
WORDS = ["cluster", "node", "query", "index", "shard", "replica", "partition", "memory", "disk", "network", "latency", "throughput", "cache", "table", "column", "schema", "batch", "stream", "window", "join", "filter", "sort"]
VOCAB = [f"{a}{b}{c}" for a in ("ka", "lo", "mi", "ne", "su", "ta", "ri", "po") for b in
         ("ber", "dan", "fol", "gir", "hum", "jet", "kal", "mor") for c in ("a", "o", "is", "en")]


def seeds() -> list[tuple[str, str]]:
    pairs = []
    for line in (ROOT / "samples" / "openai_chat.jsonl").read_bytes().splitlines():
        msgs = orjson.loads(line).get("messages", [])
        user = next((m["content"] for m in msgs if m.get("role") == "user"), None)
        answer = next((m["content"] for m in msgs if m.get("role") == "assistant"), None)
        if isinstance(user, str) and isinstance(answer, str):
            pairs.append((user, answer))
    return pairs


def build(folder: Path, n: int, exact: float, near: float, shards: int, seed: int = 1) -> dict[int, int]:
    """Write ``n`` base rows plus planted copies; returns copy row number -> original row number
    (global row numbers in write order)."""
    rnd = random.Random(seed)
    base = seeds()
    rows: list[bytes] = []
    truth: dict[int, int] = {}
    for i in range(n):
        q, a = base[i % len(base)]
        filler = " ".join(rnd.choice(VOCAB) for _ in range(60))
        row = {"messages": [{"role": "user", "content": f"[{i}] {q[:120]}"},
                            {"role": "assistant", "content": f"{' '.join(a.split()[:25])} {filler}."}]}
        rows.append(orjson.dumps(row))
        r = rnd.random()
        if r < exact:
            truth[len(rows)] = len(rows) - 1
            rows.append(rows[-1])
        elif r < exact + near:
            words = row["messages"][1]["content"].split()
            for _ in range(2):
                words[rnd.randrange(len(words))] = rnd.choice(WORDS)
            row["messages"][1]["content"] = " ".join(words)
            truth[len(rows)] = len(rows) - 1
            rows.append(orjson.dumps(row))
    folder.mkdir(parents=True, exist_ok=True)
    per = -(-len(rows) // shards)
    for s in range(shards):
        (folder / f"part-{s:04d}.jsonl").write_bytes(b"\n".join(rows[s * per:(s + 1) * per]) + b"\n")
    return truth


def score(out: Path, truth: dict[int, int], per: int) -> tuple[float, float]:
    """Pairwise precision and recall of the clusters against the planted pairs."""
    cluster: dict[int, str] = {}
    for shard in sorted(out.glob("records-*.parquet")):
        t = pq.read_table(shard, columns=["shard", "line", "cluster"]).to_pylist()
        for r in t:
            if r["cluster"]:
                index = int(Path(r["shard"]).stem.split("-")[1])
                cluster[index * per + r["line"] - 1] = r["cluster"]
    found = 0
    for copy, orig in truth.items():
        found += cluster.get(copy) is not None and cluster.get(copy) == cluster.get(orig)
    sizes: dict[str, int] = {}
    for c in cluster.values():
        sizes[c] = sizes.get(c, 0) + 1
    predicted = sum(s - 1 for s in sizes.values())  # copies the clusters claim
    return (found / predicted if predicted else 1.0), (found / len(truth) if truth else 1.0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--engines", default="local,ray")
    ap.add_argument("--exact", type=float, default=0.05)
    ap.add_argument("--near", type=float, default=0.05)
    ap.add_argument("--shards", type=int, default=8)
    ap.add_argument("--work", type=Path, default=Path("/tmp/curate-pipeline-bench"))
    ap.add_argument("--child", default=None)
    args = ap.parse_args()
    if args.child:  # one engine in a fresh process, so peak RSS is that run's
        from curate.pipeline import PipelinePlan, run_pipeline

        t0 = time.perf_counter()
        m = run_pipeline(PipelinePlan([str(args.work / "in")], args.work / args.child, engine=args.child))
        wall = time.perf_counter() - t0
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(orjson.dumps({"wall": wall, "rss_mb": rss, "counts": m["counts"], "timings": m["timings"]}).decode())
        return
    import shutil

    shutil.rmtree(args.work, ignore_errors=True)
    truth = build(args.work / "in", args.records, args.exact, args.near, args.shards)
    total = args.records + len(truth)
    per = -(-total // args.shards)
    print(f"{total} rows ({len(truth)} planted copies) in {args.shards} shards")
    for engine in args.engines.split(","):
        proc = subprocess.run([sys.executable, __file__, "--child", engine, "--work", str(args.work)],
                              capture_output=True, text=True, check=False)
        if proc.returncode:
            print(engine, "failed:", proc.stderr[-2000:])
            continue
        res = orjson.loads(proc.stdout.strip().splitlines()[-1])
        precision, recall = score(args.work / engine, truth, per)
        cores = 1 if engine == "local" else 2
        print(f"{engine}: {res['wall']:.1f} s, driver peak RSS {res['rss_mb']:.0f} MB, "
              f"{total / res['wall'] / cores:.0f} records/s/core, precision {precision:.4f}, "
              f"recall {recall:.4f}, clusters {res['counts']['clusters']}, timings {res['timings']}")


if __name__ == "__main__":
    main()
