"""CSV and Parquet writers: rows are spooled to a temp file, then written with a header or
schema that covers every row.

CSV: columns in first-seen order; text as is, lists and objects as JSON, booleans as
``true``/``false``, absent or null values as an empty cell.

Parquet: column types are inferred over all rows and unified; a column whose values cannot
share one Arrow type (or that holds empty objects, which Parquet cannot store) is written as
JSON text and marked with the field metadata ``curate.encoding = json`` so the reader
decodes it back.
"""

from __future__ import annotations

import contextlib
import csv
import io
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from curate.io.read_tabular import JSON_ENCODING_KEY
from curate.io.write import encode_row, open_binary

_BATCH = 4096


class _Spool:
    """Rows kept as JSON lines in an anonymous temp file next to the output."""

    def __init__(self, folder: Path) -> None:
        self._fh = tempfile.TemporaryFile(dir=folder, prefix=".curate-spool-")  # noqa: SIM115
        self.columns: dict[str, None] = {}
        self.count = 0

    def add(self, row: dict[str, Any]) -> dict[str, Any]:
        self._fh.write(encode_row(row))
        self.count += 1
        columns = self.columns
        for key in row:
            if key not in columns:
                columns[key] = None
        return row

    def batches(self) -> Iterator[list[dict[str, Any]]]:
        self._fh.flush()
        self._fh.seek(0)
        batch: list[dict[str, Any]] = []
        for line in self._fh:
            batch.append(orjson.loads(line))
            if len(batch) >= _BATCH:
                yield batch
                batch = []
        if batch:
            yield batch

    def close(self) -> None:
        self._fh.close()


def csv_cell(value: Any) -> str:
    """One value as CSV cell text."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return orjson.dumps(value).decode()


class CsvWriter:
    """CSV with a header row; nested values JSON-encoded."""

    def __init__(self, path: Path, gz: bool) -> None:
        self.path = path
        self.gz = gz
        self._spool = _Spool(path.parent)
        self.count = 0

    def write(self, row: dict[str, Any]) -> None:
        self._spool.add(row)
        self.count += 1

    def finish(self) -> None:
        try:
            columns = list(self._spool.columns)
            with (
                open_binary(self.path, self.gz) as raw,
                io.TextIOWrapper(raw, encoding="utf-8", newline="") as text,
            ):
                if columns:
                    writer = csv.writer(text)
                    writer.writerow(columns)
                    for batch in self._spool.batches():
                        writer.writerows([csv_cell(r.get(c)) for c in columns] for r in batch)
        finally:
            self._spool.close()

    def abort(self) -> None:
        self._spool.close()


class ParquetRowWriter:
    """Parquet with one schema inferred over all rows, written in row groups."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._spool = _Spool(path.parent)
        self._types: dict[str, Any] = {}
        self._json: set[str] = set()
        self._pending: list[dict[str, Any]] = []
        self.count = 0

    def write(self, row: dict[str, Any]) -> None:
        self._pending.append(self._spool.add(row))
        self.count += 1
        if len(self._pending) >= _BATCH:
            self._infer()

    def _infer(self) -> None:
        import pyarrow as pa

        batch, self._pending = self._pending, []
        for col in self._spool.columns:
            if col in self._json:
                continue
            try:
                found = pa.array([r.get(col) for r in batch]).type
            except (pa.ArrowException, OverflowError, TypeError, ValueError):
                self._json.add(col)
                continue
            known = self._types.get(col)
            if known is not None and known != found:
                try:
                    found = pa.unify_schemas(
                        [pa.schema([("c", known)]), pa.schema([("c", found)])],
                        promote_options="permissive",
                    ).field("c").type
                except (pa.ArrowException, TypeError, ValueError):
                    self._json.add(col)
                    continue
            self._types[col] = found

    def _schema(self) -> Any:
        import pyarrow as pa

        fields = []
        for col in self._spool.columns:
            typ = self._types.get(col, pa.null())
            if col in self._json or _has_empty_struct(typ):
                self._json.add(col)
                fields.append(pa.field(col, pa.string(), metadata={JSON_ENCODING_KEY: b"json"}))
            else:
                fields.append(pa.field(col, typ))
        return pa.schema(fields)

    def finish(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            if self._pending:
                self._infer()
            for _ in range(len(self._spool.columns) + 1):
                schema = self._schema()
                try:
                    with pq.ParquetWriter(self.path, schema, compression="zstd") as out:
                        for batch in self._spool.batches():
                            out.write_table(self._table(batch, schema))
                    return
                except (pa.ArrowException, OverflowError, TypeError, ValueError) as exc:
                    bad = self._failing_column(exc, schema)
                    if bad is None:
                        raise
                    self._json.add(bad)
            raise RuntimeError("no Parquet schema fits these rows")
        finally:
            self._spool.close()

    def _table(self, batch: list[dict[str, Any]], schema: Any) -> Any:
        import pyarrow as pa

        for col in self._json:
            for row in batch:
                value = row.get(col)
                if value is not None:
                    row[col] = orjson.dumps(value).decode()
        return pa.Table.from_pylist(batch, schema=schema)

    def _failing_column(self, exc: Exception, schema: Any) -> str | None:
        import pyarrow as pa

        for batch in self._spool.batches():
            for field in schema:
                if field.name in self._json:
                    continue
                try:
                    pa.array([r.get(field.name) for r in batch], type=field.type)
                except (pa.ArrowException, OverflowError, TypeError, ValueError):
                    return field.name
        return None

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self._spool.close()


def _has_empty_struct(typ: Any) -> bool:
    import pyarrow as pa

    if pa.types.is_struct(typ):
        return typ.num_fields == 0 or any(_has_empty_struct(f.type) for f in typ)
    if pa.types.is_list(typ) or pa.types.is_large_list(typ):
        return _has_empty_struct(typ.value_type)
    return False
