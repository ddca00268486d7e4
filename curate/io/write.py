"""Atomic row writers for JSONL, JSON, CSV and Parquet (gzip for the text ones).

``open_row_writer(path)`` picks the container from the extension and writes into a temp
file next to ``path`` that replaces it only when everything went well. JSONL and JSON
stream straight to disk; CSV and Parquet spool rows to a temp file first (bounded memory)
because their header or schema depends on every row.
"""

from __future__ import annotations

import contextlib
import gzip
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any, Protocol

import orjson

from curate.errors import RowError
from curate.io.atomic import atomic_path
from curate.io.containers import Container, output_container

_BUFFER = 1 << 20
GZIP_LEVEL = 6


class RowWriter(Protocol):
    """Writes rows (JSON-like dicts) one at a time; ``count`` is how many were written."""

    count: int

    def write(self, row: dict[str, Any]) -> None:
        """Write one row, or raise RowError (nothing written) when it cannot be encoded."""

    def finish(self) -> None:
        """Complete and close the file."""

    def abort(self) -> None:
        """Close without completing (the temp file is then removed)."""


def encode_row(row: Any, option: int = orjson.OPT_APPEND_NEWLINE) -> bytes:
    """A row as JSON bytes, or RowError when it holds something JSON cannot."""
    try:
        return orjson.dumps(row, option=option)
    except orjson.JSONEncodeError as exc:
        msg = str(exc)
        if "surrogate" in msg or "UTF-8" in msg:
            raise RowError(
                "invalid_encoding", "The row holds text with lone surrogates, which cannot be written."
            ) from None
        raise RowError("data_type", f"The row holds a value JSON cannot hold ({msg}).") from None


def open_binary(path: Path, gz: bool) -> IO[bytes]:
    """A buffered binary file, gzip-compressed when asked (no name or time in the header)."""
    raw = open(path, "wb", buffering=_BUFFER)  # noqa: SIM115
    if not gz:
        return raw
    return _GzipOwning(raw)


class _GzipOwning(gzip.GzipFile):
    """A GzipFile that also closes the file it writes into (reproducible: mtime 0)."""

    def __init__(self, raw: IO[bytes]) -> None:
        super().__init__(filename="", fileobj=raw, mode="wb", compresslevel=GZIP_LEVEL, mtime=0)
        self._owned = raw

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._owned.close()


class JsonlWriter:
    """One compact JSON object per line."""

    def __init__(self, path: Path, gz: bool) -> None:
        self._fh = open_binary(path, gz)
        self.count = 0

    def write(self, row: dict[str, Any]) -> None:
        self._fh.write(encode_row(row))
        self.count += 1

    def write_line(self, line: bytes) -> None:
        """Write one finished line (what ``encode_row`` gives: compact JSON and a newline)."""
        self._fh.write(line)
        self.count += 1

    def finish(self) -> None:
        self._fh.close()

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self._fh.close()


class JsonArrayWriter:
    """A JSON array, one indented element after the other (streamed, not buffered)."""

    def __init__(self, path: Path, gz: bool) -> None:
        self._fh = open_binary(path, gz)
        self.count = 0

    def write(self, row: dict[str, Any]) -> None:
        data = encode_row(row, orjson.OPT_INDENT_2).replace(b"\n", b"\n  ")
        self._fh.write((b",\n  " if self.count else b"[\n  ") + data)
        self.count += 1

    def finish(self) -> None:
        self._fh.write(b"\n]\n" if self.count else b"[]\n")
        self._fh.close()

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self._fh.close()


def make_writer(container: Container, tmp: Path) -> RowWriter:
    """A writer for ``container`` that writes into ``tmp``."""
    if container.kind == "jsonl":
        return JsonlWriter(tmp, container.gzip)
    if container.kind == "json":
        return JsonArrayWriter(tmp, container.gzip)
    from curate.io.write_tabular import CsvWriter, ParquetRowWriter

    if container.kind == "csv":
        return CsvWriter(tmp, container.gzip)
    return ParquetRowWriter(tmp)


@contextlib.contextmanager
def open_row_writer(path: str | Path) -> Iterator[RowWriter]:
    """A writer for ``path`` (container from its extension); the file appears atomically
    when the block ends without an exception.

    >>> import tempfile, os
    >>> out = os.path.join(tempfile.mkdtemp(), "o.jsonl")
    >>> with open_row_writer(out) as w:
    ...     w.write({"a": 1})
    >>> open(out).read()
    '{"a":1}\\n'
    """
    container = output_container(path)
    with atomic_path(path) as tmp:
        writer = make_writer(container, tmp)
        try:
            yield writer
        except BaseException:
            writer.abort()
            raise
        writer.finish()


def write_rows(rows: Iterable[dict[str, Any]], path: str | Path) -> int:
    """Write rows to ``path`` atomically; returns how many were written.

    A row that cannot be encoded raises its RowError (use ``open_row_writer`` to skip and
    count such rows instead).
    """
    with open_row_writer(path) as writer:
        for row in rows:
            writer.write(row)
    return writer.count
