"""Check an export on the way out: every file re-read by the project's own reader gives back
the records that were written.

For each split file: the reader of the target's format (for openai-jsonl, the one that applies
OpenAI's fine-tuning format checks) must accept every row (zero rejects), give as many
records as were written, each with the id its row has in memory (so the file holds exactly
the rows rendered), and each holding the workspace record's conversation: the same roles,
texts and tool calls, in order. ``identical_ids`` counts the records whose id did not change
at all (a target may normalise what it cannot hold, such as a ``text`` flag or names).

Rows read back with the openai-jsonl reader must also have OpenAI's tool shape
(``curate.formats.openai_tools.tool_shape_problems``): wrapped tools, tool calls with ids and
JSON arguments, and every tool message answering a call before it. The reader accepts rows
without ids, so this is checked on the rows themselves.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from curate.errors import CurateError
from curate.formats import get_format
from curate.formats.openai_tools import tool_shape_problems
from curate.records import Message, Record


class ExportCheckFailed(CurateError):
    """A written file does not read back as the records written (a defect: exit 1)."""

    exit_code = 1


def canonical_json(text: str) -> str:
    """JSON text in one spelling (sorted keys, no spaces), or the text itself if not JSON.

    >>> canonical_json('{"b": 1, "a": [1, 2]}')
    '{"a":[1,2],"b":1}'
    """
    try:
        return orjson.dumps(orjson.loads(text), option=orjson.OPT_SORT_KEYS).decode()
    except orjson.JSONDecodeError:
        return text


def turns(record: Record) -> tuple:
    """What a record says: kind and, per side, each turn's role, text and tool calls."""

    def side(messages: list[Message] | None) -> tuple:
        return tuple(
            (
                m.role,
                m.content or "",
                tuple(
                    (c.function.name, canonical_json(c.function.arguments))
                    for c in m.tool_calls or ()
                ),
            )
            for m in messages or ()
        )

    return (record.kind, side(record.messages), side(record.chosen), side(record.rejected))


def verify_file(
    path: Path, reader: str, records: list[Record], rows: list[dict[str, Any]]
) -> dict[str, int]:
    """Re-read one split file; raise ExportCheckFailed on the first difference."""
    from curate.source import read_all

    name = path.name
    result = read_all(path, reader)
    if result.rejects:
        first = result.rejects[0]
        raise ExportCheckFailed(
            f"Re-reading {name} with the {reader} reader rejected {len(result.rejects)} rows "
            f"(line {first.line}: {first.code}: {first.message}); the export was not written."
        )
    if len(result.records) != len(records):
        raise ExportCheckFailed(
            f"{name} reads back as {len(result.records)} records, but {len(records)} were "
            "written; the export was not written."
        )
    fmt = get_format(reader)
    identical = 0
    shape = reader == "openai-jsonl"
    for index, (record, row, back) in enumerate(zip(records, rows, result.records, strict=True), 1):
        if shape and (problems := tool_shape_problems(row)):
            raise ExportCheckFailed(
                f"Row {index} of {name} (record {record.id}) does not have OpenAI's tool "
                f"shape: {problems[0]} The export was not written."
            )
        if back.id != fmt.parse(row).id:
            raise ExportCheckFailed(
                f"Row {index} of {name} (record {record.id}) reads back differently from the "
                "row written; the export was not written."
            )
        if turns(back) != turns(record):
            raise ExportCheckFailed(
                f"Row {index} of {name} (record {record.id}) does not hold the record's "
                "conversation; the export was not written."
            )
        identical += back.id == record.id
    return {"rows": len(records), "rejects": 0, "identical_ids": identical}
