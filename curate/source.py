"""A dataset file read as canonical records: rows, format detection and parsing in one stream."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from curate.errors import RowError, UsageError
from curate.formats import all_formats, get_format
from curate.formats.base import Format
from curate.formats.common import type_name
from curate.formats.detect import DEFAULT_SAMPLE, Detection, detect_stream
from curate.io.read import LineRow, RowReader
from curate.io.rows import Row
from curate.records import Provenance, Record, Reject


class RecordSource:
    """The rows of one file, parsed in one format (given, or detected over ``sample`` rows).

    Opening raises ``UnreadableInput`` for a file that cannot be read and ``UsageError`` for
    an unknown format name or a file whose rows match no known format. Detection always runs
    (it is cheap), so ``detection`` tells what the file looks like even when ``fmt`` is given.
    Iterating yields ``(row, Record | RowError)`` pairs, one per input row, in file order.
    """

    def __init__(self, path: str | Path, fmt: str | None = None, *, sample: int = DEFAULT_SAMPLE):
        self.reader = RowReader(path)
        self.name = self.reader.name
        chosen = get_format(fmt) if fmt else None
        self.detection, self._rows = detect_stream(iter(self.reader), sample)
        if chosen is None and self.detection.format is None and self.detection.sampled:
            known = ", ".join(all_formats())
            if self.detection.reason is not None:  # a recognised shape, or rows that do not parse
                sentence, fix = self.detection.reason
                raise UsageError(
                    f"Cannot tell the format of '{self.name}': {sentence}.",
                    fix or f"Pass --from with one of: {known}.",
                )
            raise UsageError(
                f"Cannot tell the format of '{self.name}': none of the {self.detection.sampled} "
                "sampled rows matches a known format.",
                f"Pass --from with one of: {known}.",
            )
        self.format: Format | None = chosen or (
            get_format(self.detection.format) if self.detection.format else None
        )

    @property
    def format_name(self) -> str | None:
        return self.format.name if self.format else None

    def parsed(
        self, *, provenance: bool = True, take: Callable[[Row], bool] | None = None
    ) -> Iterator[tuple[Row, Record | RowError]]:
        """Every row with its record or the error that kept it from becoming one.

        ``take``, when given, sees each row first; a row it takes (answers True) is the
        caller's to handle and is neither parsed nor yielded.
        """
        fmt = self.format
        name = self.name
        fmt_name = self.format_name
        fast = _fast_path(fmt)
        for row in self._rows:
            if take is not None and take(row):
                continue
            if fast is not None and type(row) is LineRow:
                # straight from the line's bytes when the format is sure; else the normal path
                record = fast(row.line)
                if record is not None:
                    if provenance:
                        set_file_provenance(record, name, row.number, fmt_name)
                    yield row, record
                    continue
            value = row.value
            if fmt is None:  # only possible when no row parsed: nothing to do
                if type(value) is not RowError:
                    value = _not_an_object(row.number, value) or RowError(
                        "unknown_format", "The row matches no known format."
                    )
                yield row, value
                continue
            record = value if type(value) is RowError else _parse(fmt, row.number, value)
            if type(record) is RowError and row.alt is not None:
                # a second reading of the row (CSV cells as text) may fit where the first did not
                second = _parse(fmt, row.number, row.alt)
                if type(second) is not RowError:
                    record = second
            if type(record) is RowError:
                yield row, record
                continue
            if provenance:
                set_file_provenance(record, name, row.number, fmt_name)
            yield row, record

    def __iter__(self) -> Iterator[Record | Reject]:
        reject = self.reject
        for row, result in self.parsed():
            yield reject(row, result) if type(result) is RowError else result  # type: ignore[misc]

    def reject(self, row: Row, error: RowError) -> Reject:
        """The reject for a row: source file, row number, reason code, sentence, raw text."""
        return make_reject(self.name, row, error)


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


_PROVENANCE_SET = ("origin", "source_file", "source_line", "source_format")


def _fast_path(fmt: Format | None) -> Callable[[bytes], Record | None] | None:
    """The format's ``parse_json_bytes`` when it has one of its own, else None."""
    if fmt is None or type(fmt).parse_json_bytes is Format.parse_json_bytes:
        return None
    return fmt.parse_json_bytes


def _not_an_object(number: int, value: object) -> RowError | None:
    """``not_an_object`` for a row that is JSON but a list, string, number, boolean or null."""
    if type(value) is dict:
        return None
    return RowError(
        "not_an_object",
        f"Row {number} is valid JSON but {type_name(value)}, not an object; each row must be "
        "a JSON object holding the format's fields.",
    )


def _parse(fmt: Format, number: int, value: object) -> Record | RowError:
    """One row through a format: its record, or the error that says why not."""
    not_object = _not_an_object(number, value)
    if not_object is not None:
        return not_object
    try:
        return fmt.parse(value)
    except RowError as exc:
        return exc
    except Exception as exc:  # a format must raise RowError; never let bad data crash
        return RowError(
            "data_type", f"Row {number} cannot be read as {fmt.name} ({type(exc).__name__}: {exc})."
        )


def set_file_provenance(record: Record, source_file: str, line: int, fmt: str | None) -> None:
    """Fill in where a record was read from (origin ``real``, file, line, format).

    A record's own fresh default Provenance is updated in place (the values are plain, valid
    data, and this runs once per row on the hot path of every read); any other is replaced.
    """
    prov = record.provenance
    if type(prov) is Provenance:
        fields_set = prov.__pydantic_fields_set__
        if not fields_set:  # a fresh default
            values = prov.__dict__
            values["origin"] = "real"
            values["source_file"] = source_file
            values["source_line"] = line
            values["source_format"] = fmt
            fields_set.update(_PROVENANCE_SET)
            return
    record.provenance = Provenance(
        origin="real", source_file=source_file, source_line=line, source_format=fmt
    )


def make_reject(source: str, row: Row, error: RowError) -> Reject:
    """A Reject for one input row."""
    return Reject.model_construct(
        source=source, line=row.number, code=error.code, message=error.message, raw=row.raw
    )


__all__ = [
    "Detection",
    "ReadResult",
    "RecordSource",
    "detect_format",
    "make_reject",
    "read_all",
    "read_records",
]
