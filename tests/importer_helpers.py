"""Generated dataset files for the import tests: known valid and invalid rows."""

from __future__ import annotations

from pathlib import Path

import orjson

CATEGORIES = ("spark", "sql", "kafka", "dbt")


def chat_row(i: int) -> dict:
    return {
        "messages": [
            {"role": "system", "content": "You are a data engineer."},
            {"role": "user", "content": f"How do I tune job number {i}?"},
            {"role": "assistant", "content": f"Look at the stages of job {i} first. " * 3},
        ],
        "category": CATEGORIES[i % len(CATEGORIES)],
        "difficulty": "beginner" if i % 2 else "advanced",
    }


def write_chat_file(path: Path, rows: int, bad_every: int = 0) -> tuple[set[int], set[int]]:
    """Write an OpenAI chat JSONL file; every ``bad_every``-th row is broken (alternately not
    JSON and without an assistant turn). Returns the 1-based lines of good and bad rows."""
    good, bad = set(), set()
    with open(path, "wb") as fh:
        for i in range(rows):
            line = i + 1
            if bad_every and i % bad_every == bad_every - 1:
                bad.add(line)
                if (i // bad_every) % 2:
                    fh.write(b'{"messages": [{"role": "user", "content": "cut off\n')
                    continue
                row = chat_row(i)
                row["messages"] = row["messages"][:2]
                fh.write(orjson.dumps(row) + b"\n")
            else:
                good.add(line)
                fh.write(orjson.dumps(chat_row(i)) + b"\n")
    return good, bad
