"""Sharded chat JSONL with planted exact and near duplicates and a few bad rows."""

from __future__ import annotations

import random
from pathlib import Path

import orjson

TOPICS = ["Kafka", "Spark", "Postgres", "Redis", "Airflow", "dbt", "Flink", "Trino", "DuckDB"]
VERBS = ["tune", "monitor", "partition", "back up", "upgrade", "secure", "scale", "debug"]


def chat(question: str, answer: str) -> dict:
    return {"messages": [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]}


def base_rows(n: int, seed: int = 7) -> list[dict]:
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        topic, verb = rnd.choice(TOPICS), rnd.choice(VERBS)
        words = " ".join(rnd.choice(["first", "then", "check", "the", "logs", "metrics", "config",
                                     "settings", "cluster", "nodes", "queries", "memory", "disk"])
                         for _ in range(40))
        q = f"Case {i}: how do I {verb} {topic} when {words[:60]}?"
        a = f"For case {i} you {verb} {topic} like this: {words}. Finally verify step {i}."
        rows.append(chat(q, a))
    return rows


def edit(row: dict, rnd: random.Random) -> dict:
    """A near copy: one word of the answer replaced."""
    msgs = [dict(m) for m in row["messages"]]
    words = msgs[1]["content"].split()
    words[rnd.randrange(len(words))] = "changed"
    msgs[1]["content"] = " ".join(words)
    return {"messages": msgs}


def write_shards(folder: Path, n: int = 300, shards: int = 3, seed: int = 7) -> dict[str, int]:
    """``shards`` JSONL files; every 10th row gets an exact copy, every 7th a near copy; two
    bad rows per shard. Returns the planted counts."""
    rnd = random.Random(seed)
    rows = [orjson.dumps(r) for r in base_rows(n, seed)]
    planted = {"exact": 0, "near": 0, "bad": 0}
    extra = []
    for i, r in enumerate(base_rows(n, seed)):
        if i % 10 == 0:
            extra.append(rows[i])
            planted["exact"] += 1
        if i % 7 == 0:
            extra.append(orjson.dumps(edit(r, rnd)))
            planted["near"] += 1
    everything = rows + extra
    rnd.shuffle(everything)
    folder.mkdir(parents=True, exist_ok=True)
    per = -(-len(everything) // shards)
    for s in range(shards):
        part = everything[s * per : (s + 1) * per]
        part += [b'{"messages": [{"role": "user"', b'{"messages": [{"role": "user", "content": "hi"}]}']
        planted["bad"] += 2
        (folder / f"part-{s:03d}.jsonl").write_bytes(b"\n".join(part) + b"\n")
    return planted
