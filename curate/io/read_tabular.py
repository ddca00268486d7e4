"""Row readers for the tabular containers: CSV (the csv module, no type guessing) and Parquet.

CSV cells stay text exactly as written ("NA", "None", "null" and "" are strings). A cell that
starts with ``[`` or ``{`` and parses as a JSON list or object (a ``messages`` column, for
example) is decoded in the row's ``value``; the row's ``alt`` keeps every cell as text, and
readers of records fall back to it when the decoded row does not fit the format (JSON text in
a text column). Rows are numbered 1, 2, ... from the first data row after the header.

Parquet is read in batches. Parquet structs cannot say "absent", so null values inside rows
are dropped (a missing optional field and a null one read the same); columns that curate
wrote as JSON text (field metadata ``curate.encoding = json``) are decoded back.
"""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import orjson

from curate.errors import RowError, UnreadableInput
from curate.io.rows import MAX_ROW_BYTES, RAW_PREVIEW_BYTES, Row, dumps_raw, encoding_error, mib

JSON_ENCODING_KEY = b"curate.encoding"
_PARQUET_BATCH = 1024


class _Lines:
    """Text lines for the csv module, each at most ``limit`` characters; longer ones are
    skipped and remembered so the caller can reject them."""

    def __init__(self, text: IO[str], limit: int) -> None:
        self.text = text
        self.limit = limit
        self.too_large: tuple[int, str] | None = None

    def __iter__(self) -> Iterator[str]:
        readline = self.text.readline
        limit = self.limit
        while True:
            line = readline(limit + 1)
            if not line:
                return
            if len(line) > limit and not line.endswith("\n"):
                size = len(line)
                while True:
                    rest = readline(1024 * 1024)
                    size += len(rest)
                    if not rest or rest.endswith("\n"):
                        break
                self.too_large = (size, line[:RAW_PREVIEW_BYTES])
                yield "\n"
                continue
            yield line


def csv_rows(stream: IO[bytes], max_row_bytes: int = MAX_ROW_BYTES) -> Iterator[Row]:
    """Rows of a CSV byte stream as dicts keyed by the header."""
    csv.field_size_limit(max(csv.field_size_limit(), max_row_bytes))
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape", newline="")
    lines = _Lines(text, max_row_bytes)
    reader = csv.reader(lines)
    header: list[str] | None = None
    number = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if header is None:
                raise UnreadableInput(f"The CSV header cannot be read ({exc}).") from None
            number += 1
            error = RowError("invalid_json", f"Row {number} is not valid CSV ({exc}).")
            yield Row(number, error, "")
            continue
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            if lines.too_large is None:
                continue
            if header is None:
                raise UnreadableInput(f"The CSV header is over {mib(max_row_bytes)}.")
            number += 1
            size, preview = lines.too_large
            lines.too_large = None
            error = RowError(
                "row_too_large",
                f"Row {number} is {mib(size)}, over the reader's limit of {mib(max_row_bytes)}; "
                f"only its first {RAW_PREVIEW_BYTES} characters are kept in the raw text.",
            )
            yield Row(number, error, _clean(preview), size)
            continue
        if header is None:
            header = _header(cells)
            continue
        number += 1
        value, alt = _csv_value(number, header, cells)
        yield Row(number, value, _lazy_csv_raw(cells), alt=alt)


def _header(cells: list[str]) -> list[str]:
    seen: set[str] = set()
    for name in cells:
        if name in seen:
            raise UnreadableInput(
                f"The CSV header names the column '{_clean(name)}' twice.",
                "Rename one of the columns.",
            )
        seen.add(name)
    try:
        "".join(cells).encode("utf-8")
    except UnicodeEncodeError:
        raise UnreadableInput("The CSV header has bytes that are not UTF-8.") from None
    return cells


def _csv_value(
    number: int, header: list[str], cells: list[str]
) -> tuple[dict[str, Any] | RowError, dict[str, str] | None]:
    """The row with JSON cells decoded, and the all-text row when that differs (else None)."""
    try:
        "".join(cells).encode("utf-8")
    except UnicodeEncodeError:
        error = RowError(
            "invalid_encoding",
            f"Row {number} has bytes that are not UTF-8; they are kept as replacement "
            "characters in the raw text.",
        )
        return error, None
    if len(cells) > len(header):
        error = RowError(
            "data_type",
            f"Row {number} has {len(cells)} cells but the header names {len(header)} columns.",
        )
        return error, None
    text = dict(zip(header, cells, strict=False))
    row: dict[str, Any] | None = None
    for name, cell in text.items():
        if cell.lstrip()[:1] not in ("[", "{"):
            continue
        try:
            value = orjson.loads(cell)
        except orjson.JSONDecodeError as exc:
            if encoding_error(exc):
                error = RowError(
                    "invalid_encoding",
                    f"Row {number}, column '{name}' has a lone surrogate escape such as "
                    "\\ud800, which is not valid Unicode text.",
                )
                return error, text
            continue
        if isinstance(value, list | dict):
            if row is None:
                row = dict(text)
            row[name] = value
    return (text, None) if row is None else (row, text)


def _clean(text: str) -> str:
    """Text decoded with surrogateescape, with the bad bytes turned into replacement chars."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _lazy_csv_raw(cells: list[str]) -> Any:
    def raw() -> str:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="").writerow(cells)
        return _clean(buf.getvalue())

    return raw


# Parquet ---------------------------------------------------------------------------------
def parquet_rows(path: Path, name: str) -> Iterator[Row]:
    """Rows of a Parquet file, read batch by batch."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise UnreadableInput(f"The file '{name}' is not a readable Parquet file ({exc}).") from None
    json_cols = [
        f.name
        for f in pf.schema_arrow
        if f.metadata and f.metadata.get(JSON_ENCODING_KEY) == b"json"
    ]
    number = 0
    batches = pf.iter_batches(batch_size=_PARQUET_BATCH)
    while True:
        try:
            batch = next(batches)
            rows = batch.to_pylist()
        except StopIteration:
            return
        except (pa.ArrowException, OSError, UnicodeDecodeError) as exc:
            raise UnreadableInput(
                f"The Parquet file '{name}' is damaged after row {number} ({exc})."
            ) from None
        for row in rows:
            number += 1
            value = _drop_nulls(row)
            for col in json_cols:
                cell = value.get(col)
                if isinstance(cell, str):
                    with contextlib.suppress(orjson.JSONDecodeError):
                        value[col] = orjson.loads(cell)
            yield Row(number, value, _lazy_dump(value))


def _lazy_dump(value: Any) -> Any:
    return lambda: dumps_raw(value)


def _drop_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_nulls(v) for v in value]
    return value
