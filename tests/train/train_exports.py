"""Small export directories in the `curate export --format trl` layout, for the trainer's tests."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

QA = [
    (
        "How do I remove duplicate rows from the orders table in Postgres, keeping the newest?",
        "Number the rows per key and delete all but the first:\n```sql\nDELETE FROM orders o\nUSING (\n"
        "  SELECT id, ROW_NUMBER() OVER (PARTITION BY order_no ORDER BY updated_at DESC) AS rn\n"
        "  FROM orders\n) d\nWHERE o.id = d.id AND d.rn > 1;\n```",
    ),
    (
        "What is the difference between a star schema and a snowflake schema?",
        "A star schema keeps each dimension in one denormalised table joined straight to the fact "
        "table; a snowflake schema normalises dimensions into several tables. Stars need fewer joins "
        "and suit BI tools; snowflakes save space and keep hierarchies consistent.",
    ),
    (
        "Return the Airflow retry settings for a flaky API task as JSON.",
        '{"retries": 3, "retry_delay_seconds": 300, "retry_exponential_backoff": true, '
        '"max_retry_delay_seconds": 3600}',
    ),
    (
        "Why is my Spark job slow when joining a large table with a small lookup table?",
        "Spark is probably shuffling both sides. Broadcast the small table so each executor gets a "
        "copy:\n```python\nfrom pyspark.sql.functions import broadcast\nresult = big.join(broadcast(lookup), "
        '"country_code")\n```',
    ),
    (
        "How should I partition a Parquet dataset of click events?",
        "Partition by a low-cardinality column you filter on, usually the event date "
        "(`dt=2024-05-01/`). Avoid partitioning by user id: millions of tiny files slow every scan. "
        "Aim for files of 128 MB to 1 GB.",
    ),
    (
        "Give me a dbt test that checks customer_id is unique and not null, as YAML.",
        "```yaml\nmodels:\n  - name: customers\n    columns:\n      - name: customer_id\n        tests:\n"
        "          - unique\n          - not_null\n```",
    ),
    (
        "What does idempotent mean for a data pipeline?",
        "Running it twice for the same input gives the same result as running it once. Write with "
        "MERGE or overwrite a partition instead of appending, so a retry does not double the rows.",
    ),
    (
        "Describe the schema of a slowly changing dimension type 2 table as JSON.",
        '{"columns": ["customer_key", "customer_id", "name", "valid_from", "valid_to", "is_current"], '
        '"primary_key": "customer_key"}',
    ),
    (
        "How can I find which Kafka consumer group is lagging?",
        "Run `kafka-consumer-groups.sh --bootstrap-server broker:9092 --describe --group GROUP` and "
        "look at the LAG column per partition; a lag that keeps growing means the consumers cannot "
        "keep up.",
    ),
    (
        "When should I use a CTE instead of a subquery?",
        "Use a CTE when the same intermediate result is read more than once or when naming a step "
        "makes the query readable. Most engines plan both the same way, so choose for clarity.",
    ),
]

REJECTED = "I am not sure. Maybe restart the server and try again later."


def _sft_rows(
    n: int, start: int, long_every: int = 0, long_answer_every: int = 0
) -> list[dict[str, Any]]:
    rows = []
    for i in range(start, start + n):
        q, a = QA[i % len(QA)]
        question = f"{q} (ticket {i})"
        if long_every and i % long_every == 0:
            question = question + " Context: " + " ".join(["the nightly load failed again"] * 60)
        if long_answer_every and i % long_answer_every == 0:
            a = (
                a
                + "\n\nIn detail: "
                + " ".join(["check the partition and rerun the backfill"] * 40)
            )
        rows.append(
            {
                "id": f"rec-{i:04d}",
                "messages": [
                    {"role": "system", "content": "You are a careful data engineer."},
                    {"role": "user", "content": question},
                    {"role": "assistant", "content": a},
                ],
            }
        )
    return rows


def _pref_rows(n: int, start: int) -> list[dict[str, Any]]:
    rows = []
    for i in range(start, start + n):
        q, a = QA[i % len(QA)]
        rows.append(
            {
                "id": f"pair-{i:04d}",
                "prompt": [{"role": "user", "content": f"{q} (ticket {i})"}],
                "chosen": [{"role": "assistant", "content": a}],
                "rejected": [{"role": "assistant", "content": REJECTED}],
            }
        )
    return rows


# Answers of another domain in words the training answers never use: as the model learns the
# training answers, the validation loss on these rises (a split unlike train).
UNLIKE = (
    "Knead the dough for ten minutes, then let it rise under a damp cloth until doubled.",
    "Prune roses in late winter, cutting just above an outward facing bud.",
    "Tune the violin's A string first, then bring each neighbour into fifths with it.",
    "Wax the skis warm, scrape them cold, and brush towards the tail.",
)


def _unlike_rows(n: int, start: int) -> list[dict[str, Any]]:
    rows = _sft_rows(n, start)
    for i, row in enumerate(rows):
        row["messages"][-1]["content"] = UNLIKE[i % len(UNLIKE)]
    return rows


def write_export(
    root: Path,
    kind: str = "sft",
    counts: tuple[int, int, int] = (40, 8, 8),
    synthetic_share: float = 0.2,
    max_synthetic_share: float = 0.3,
    generators: list[dict[str, Any]] | None = None,
    long_every: int = 0,
    long_answer_every: int = 0,
    unlike_validation: bool = False,
) -> Path:
    """Write an export directory with correct hashes; returns its path.

    ``unlike_validation``: validation answers from another domain (the validation loss rises
    as training goes on).
    """
    root.mkdir(parents=True, exist_ok=True)
    make = (
        (lambda n, s: _sft_rows(n, s, long_every, long_answer_every))
        if kind == "sft"
        else _pref_rows
    )
    files, start = {}, 0
    for split, n in zip(("train", "validation", "test"), counts, strict=True):
        rows = (
            _unlike_rows(n, start)
            if unlike_validation and split == "validation"
            else make(n, start)
        )
        start += n
        path = root / f"{split}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        files[split] = {
            "path": path.name,
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "rows": n,
        }
    manifest = {
        "tool": "curate-ft",
        "tool_version": "0.1.0",
        "created_at": "2026-11-28T18:00:00+00:00",
        "format": "trl",
        "kind": "sft" if kind == "sft" else "preference",
        "workspace_fingerprint": "0f3a9c",
        "files": files,
        "counts": {split: entry["rows"] for split, entry in files.items()},
        "synthetic_share": {
            "train": synthetic_share,
            "validation": synthetic_share,
            "test": synthetic_share,
            "overall": synthetic_share,
        },
        "max_synthetic_share": max_synthetic_share,
        "generators": generators
        if generators is not None
        else [{"provider": "anthropic", "model": "claude-sonnet-4-5", "records": 9}],
        "policy": {},
        "scores": {},
    }
    (root / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    (root / "README.md").write_text("# Data-engineering Q&A\n", encoding="utf-8")
    return root


def tiny_settings(data: Path, out: Path, **extra: object) -> dict[str, object]:
    """Settings for a short tiny-random run."""
    return {
        "data": str(data),
        "model": "tiny-random",
        "output_dir": str(out),
        "max_length": 256,
        "max_steps": 4,
        "logging_steps": 1,
        "per_device_batch_size": 4,
        "gradient_accumulation_steps": 1,
        "gradient_checkpointing": False,
        **extra,
    }


def resume_settings(checkpoint_every: int) -> list[str]:
    """`--set` values of the resume tests: a checkpoint every few steps, a loss every step."""
    return [
        f"checkpoint_every={checkpoint_every}",
        "max_length=256",
        "per_device_batch_size=2",
        "gradient_accumulation_steps=1",
        "logging_steps=1",
        "early_stopping_patience=none",
        "learning_rate=0.005",
        "gradient_checkpointing=false",
    ]
