"""The library API: read files into canonical records, write records in any format, detect, convert.

>>> import tempfile, os
>>> folder = tempfile.mkdtemp()
>>> src = os.path.join(folder, "chat.jsonl")
>>> _ = open(src, "w").write(
...     '{"messages": [{"role": "user", "content": "What is Kafka?"},'
...     ' {"role": "assistant", "content": "A distributed log."}]}\\n'
...     'not json\\n')
>>> result = read_all(src)
>>> len(result.records), [r.code for r in result.rejects], result.detection.format
(1, ['invalid_json'], 'openai-jsonl')
>>> result.records[0].provenance.source_line
1
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from curate.convert import ConvertSummary, convert
from curate.errors import RowError
from curate.formats import get_format
from curate.formats.detect import DEFAULT_SAMPLE, Detection, detect_stream
from curate.io.read import RowReader
from curate.io.write import encode_row, open_row_writer
from curate.records import Record, Reject
from curate.source import RecordSource


@dataclass
class ReadResult:
    """Everything read from one file: the records, the rejects and the detection."""

    records: list[Record] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    detection: Detection | None = None
    format: str | None = None

    @property
    def read(self) -> int:
        return len(self.records) + len(self.rejects)


@dataclass
class WriteResult:
    """What ``write_records`` wrote and what the target format could not hold."""

    written: int = 0
    rejects: list[Reject] = field(default_factory=list)


def read_records(path: str | Path, fmt: str | None = None) -> Iterator[Record | Reject]:
    """Stream a file as Records (provenance filled in) and Rejects, one per input row.

    The format is detected over the first rows unless ``fmt`` names it. Raises
    ``UnreadableInput`` (file cannot be read) or ``UsageError`` (unknown format) at once,
    before the first row is yielded.
    """
    return iter(RecordSource(path, fmt))


def read_all(path: str | Path, fmt: str | None = None) -> ReadResult:
    """Read a whole file into memory: ``.records``, ``.rejects`` and ``.detection``."""
    source = RecordSource(path, fmt)
    result = ReadResult(detection=source.detection, format=source.format_name)
    for item in source:
        if isinstance(item, Record):
            result.records.append(item)
        else:
            result.rejects.append(item)
    return result


def detect_format(path: str | Path, sample: int = DEFAULT_SAMPLE) -> Detection:
    """Detect a file's format over its first ``sample`` parsed rows."""
    detection, _ = detect_stream(iter(RowReader(path)), sample)
    return detection


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


__all__ = [
    "ConvertSummary",
    "Detection",
    "ReadResult",
    "WriteResult",
    "convert",
    "detect_format",
    "read_all",
    "read_records",
    "write_records",
]
