"""JSON Schema files for the canonical models, generated from the pydantic classes.

``python -m curate.schemas [FOLDER]`` (``make schemas``) writes them into ``schemas/``; a test
compares :func:`generate` with the committed files so they never drift from the models.

>>> sorted(generate())
['message.schema.json', 'provenance.schema.json', 'record.schema.json', 'reject.schema.json']
>>> generate()["message.schema.json"]["properties"]["role"]["enum"]
['system', 'user', 'assistant', 'tool']
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from curate.io.atomic import atomic_path
from curate.records import Message, Provenance, Record, Reject

DIALECT = "https://json-schema.org/draft/2020-12/schema"

# file name -> model; the file names are part of the project's public surface
MODELS: dict[str, type[BaseModel]] = {
    "record.schema.json": Record,
    "message.schema.json": Message,
    "provenance.schema.json": Provenance,
    "reject.schema.json": Reject,
}


def schema_for(model: type[BaseModel]) -> dict[str, Any]:
    """The JSON Schema of one model (validation mode), with its dialect declared."""
    return {"$schema": DIALECT, **model.model_json_schema(mode="validation")}


def generate() -> dict[str, dict[str, Any]]:
    """Every schema file's content, by file name."""
    return {name: schema_for(model) for name, model in MODELS.items()}


def render(schema: dict[str, Any]) -> str:
    """A schema as file text: sorted keys, two-space indent, a trailing newline."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write(folder: str | Path = "schemas") -> list[Path]:
    """Write every schema file into ``folder`` (atomically) and return their paths."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in generate().items():
        path = out / name
        with atomic_path(path) as tmp:
            tmp.write_bytes(render(schema).encode())
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    for path in write(args[0] if args else "schemas"):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
