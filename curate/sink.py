"""Canonical records written to a file in a format, atomically; what the format cannot hold
comes back as rejects."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from curate.errors import RowError
from curate.formats import get_format
from curate.io.write import encode_row, open_row_writer
from curate.records import Record, Reject


@dataclass
class WriteResult:
    """What ``write_records`` wrote and what the target format could not hold."""

    written: int = 0
    rejects: list[Reject] = field(default_factory=list)


def write_records(records: Iterable[Record], path: str | Path, fmt: str) -> WriteResult:
    """Write records to ``path`` in format ``fmt``, atomically; the container follows the
    extension (.jsonl .json .csv .parquet, .gz for the text ones).

    A record the format cannot hold (or that holds text JSON cannot encode) is not written;
    it comes back as a Reject whose ``raw`` is the record as JSON.
    """
    target = get_format(fmt)
    result = WriteResult()
    with open_row_writer(path) as writer:
        for index, record in enumerate(records, 1):
            try:
                writer.write(target.render(record))
            except RowError as exc:
                result.rejects.append(_record_reject(record, index, exc))
        result.written = writer.count
    return result


def _record_reject(record: Record, index: int, error: RowError) -> Reject:
    prov = record.provenance
    try:
        raw = encode_row(record.model_dump(mode="json"), 0).decode()
    except RowError:  # lone surrogates: keep them visible as escapes
        raw = repr(record.model_dump(mode="json"))
    return Reject(
        source=prov.source_file or f"record {record.id}",
        line=prov.source_line if prov.source_file else index,
        code=error.code,
        message=error.message,
        raw=raw,
    )
