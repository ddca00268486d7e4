"""A generated review workspace: N realistic records with a check run and duplicate clusters.

Used by ``review_bench.py`` (100,000 records, cached under ``bench/out/``) and small enough
at a few hundred records for tests. Everything is derived from the record number, so the
same N always gives the same workspace.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

from curate.records import Message, Provenance, Record
from curate.store import CheckResult, ClusterMember
from curate.workspace import Workspace, init_workspace, open_workspace

CATEGORIES = ("sql", "spark", "python", "airflow", "dbt", "kafka", "pandas", "docs")
DIFFICULTY = ("easy", "medium", "hard")
FAILS = ("too_long", "answer_too_short", "pii_email", "truncated_answer", "open_code_fence")
SYSTEM = "You are a careful data-engineering assistant. Answer precisely and show code."
WORDS = [
    "partition",
    "table",
    "column",
    "schema",
    "window",
    "join",
    "index",
    "commit",
    "offset",
    "stream",
    "batch",
    "latency",
    "cluster",
    "worker",
    "retry",
    "checkpoint",
    "watermark",
    "parquet",
    "snapshot",
    "merge",
    "upsert",
    "replica",
]
IMPORTED_AT = "2026-11-01T09:00:00+00:00"


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def _answer(rng: random.Random, i: int) -> str:
    text = f"Answer {i}: {_words(rng, rng.randint(20, 120))}."
    if i % 3 == 0:
        text += f"\n\n```python\ndef step_{i}(df):\n    return df.groupBy('k').count()\n```\n"
    if i % 5 == 0:
        text += "\n- " + "\n- ".join(_words(rng, 6) for _ in range(3))
    return text


def make_record(i: int) -> Record:
    """Record number ``i``: mostly chats, every seventh a preference pair, a quarter synthetic."""
    rng = random.Random(i)
    synthetic = i % 4 == 1
    question = Message(
        role="user", content=f"Question {i}: how do I {_words(rng, rng.randint(5, 40))}?"
    )
    prompt = [Message(role="system", content=SYSTEM), question] if i % 2 == 0 else [question]
    prov = Provenance(
        origin="synthetic" if synthetic else "real",
        source_file=f"data/part-{i // 10_000:02d}.jsonl",
        source_line=i % 10_000 + 1,
        source_format="openai-jsonl",
        importer="curate",
        imported_at=IMPORTED_AT,
        generator_provider="anthropic" if synthetic else None,
        generator_model="claude-sonnet-4-5" if synthetic else None,
    )
    tags = {"category": CATEGORIES[i % len(CATEGORIES)], "difficulty": DIFFICULTY[i % 3]}
    if i % 7 == 3:
        return Record(
            kind="preference",
            messages=prompt,
            chosen=[Message(role="assistant", content=_answer(rng, i))],
            rejected=[Message(role="assistant", content=f"Not sure, {_words(rng, 8)}.")],
            tags=tags,
            provenance=prov,
        )
    answer = Message(role="assistant", content=_answer(rng, i))
    return Record(messages=[*prompt, answer], tags=tags, provenance=prov)


def fill_workspace(ws: Workspace, n: int, batch: int = 5_000) -> list[str]:
    """Add ``n`` generated records, a finished check run and a dedupe run; returns the ids."""
    store = ws.store
    ids: list[str] = []
    for start in range(0, n, batch):
        records = [make_record(i) for i in range(start, min(n, start + batch))]
        store.add_records(records)
        ids += [r.id for r in records]
    results = []
    for i, rid in enumerate(ids):
        if i % 13 == 5:
            code = FAILS[i % len(FAILS)]
            results.append(
                CheckResult(rid, code, False, None, f"{code.replace('_', ' ')} (row {i})")
            )
        else:
            results.append(CheckResult(rid, "checklist", True))
    run_id = store.start_run("checks", {"rubric": "default"})
    store.put_check_results(run_id, results)
    scores = {
        "accuracy": None,
        "consistency": 88.0,
        "diversity": 74.5,
        "completeness": 91.0,
        "format": 83.0,
    }
    store.finish_run(run_id, {"scores": scores, "overall": 84.1, "verdict": "pass"})
    members = []
    for c, i in enumerate(range(2, n - 3, 37)):
        members.append(ClusterMember(ids[i], f"c{c:05d}", True, 1.0))
        members.append(ClusterMember(ids[i + 1], f"c{c:05d}", False, 0.91))
        if c % 3 == 0:
            members.append(ClusterMember(ids[i + 2], f"c{c:05d}", False, 0.84))
    with store.run("dedupe") as dedupe_id:
        store.put_clusters(dedupe_id, members)
    return ids


def cached_workspace(folder: Path, n: int) -> Path:
    """A workspace of ``n`` generated records in ``folder`` (built once, reused after)."""
    done = folder / ".complete"
    if done.is_file() and done.read_text() == str(n):
        return folder
    if folder.exists():
        shutil.rmtree(folder)
    with init_workspace(folder) as ws:
        fill_workspace(ws, n)
    done.write_text(str(n))
    return folder


def copy_workspace(source: Path, target: Path) -> Workspace:
    """A private copy of a cached workspace (so a benchmark's decisions leave the cache as is)."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".complete"))
    return open_workspace(target)
