"""Streaming row readers for JSONL, JSON, CSV and Parquet files (gzip for the text ones).

Rules every reader follows (see ``RowReader``):

- rows stream: JSONL and CSV are read line by line, Parquet batch by batch; only a JSON
  array is parsed whole (up to ``MAX_JSON_ARRAY_BYTES``; use JSONL beyond that);
- a UTF-8 byte order mark at the start of a file is accepted and dropped;
- blank lines are not rows; line numbers are physical 1-based lines, so they match an editor;
- a line that is not JSON is ``invalid_json``, or ``truncated_row`` when it is the last line,
  has no final newline and does not parse; bytes that are not UTF-8 and ``\\ud800``-style lone
  surrogate escapes are ``invalid_encoding``; a row over ``MAX_ROW_BYTES`` is ``row_too_large``
  and is skipped without being held in memory;
- a file that cannot be opened at all raises ``UnreadableInput`` with one sentence.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import orjson

from curate.errors import RowError, UnreadableInput
from curate.io.containers import Container, container_from_name, sniff_container
from curate.io.limits import CappedGzip, max_blank_lines, max_gzip_ratio, too_many_blank_lines
from curate.io.rows import MAX_ROW_BYTES, RAW_PREVIEW_BYTES, Row, dumps_raw, encoding_error, mib
from curate.io.spool import display_name, is_stream, spool

# A JSON array is parsed whole; bigger arrays must be converted to JSONL first.
MAX_JSON_ARRAY_BYTES = 512 * 1024 * 1024
_BOM = b"\xef\xbb\xbf"
_SKIP_CHUNK = 1024 * 1024
_READ_BUFFER = 1024 * 1024
_loads = orjson.loads
_DecodeError = orjson.JSONDecodeError


class RowReader:
    """Rows of one input file, streamed; ``position()`` tells how many file bytes are done.

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "d.jsonl")
    >>> _ = open(path, "w").write('{"a": 1}\\n\\nnot json\\n')
    >>> [(r.number, r.value if r.ok else r.value.code) for r in RowReader(path)]
    [(1, {'a': 1}), (3, 'invalid_json')]
    """

    def __init__(
        self,
        path: str | Path,
        *,
        max_row_bytes: int = MAX_ROW_BYTES,
        container: Container | None = None,
    ) -> None:
        self.name = display_name(path)  # ``-`` reads standard input, named <stdin>
        self.path = spool(path) if is_stream(path) else Path(path)  # pipes: copied once
        self.max_row_bytes = max_row_bytes
        self.size = _check_readable(self.path)
        self.container = container or container_from_name(self.path) or self._sniff()
        self._raw_file: IO[bytes] | None = None

    def _sniff(self) -> Container:
        with open(self.path, "rb") as fh:
            return sniff_container(fh.read(8192))

    def position(self) -> int:
        """Bytes of the file consumed so far (for progress bars)."""
        fh = self._raw_file
        if fh is None or fh.closed:
            return self.size if fh is not None else 0
        try:
            return min(fh.tell(), self.size)
        except (OSError, ValueError):
            return 0

    def __iter__(self) -> Iterator[Row]:
        kind = self.container.kind
        if kind == "parquet":
            from curate.io.read_tabular import parquet_rows

            yield from parquet_rows(self.path, self.name)
            return
        with open(self.path, "rb", buffering=_READ_BUFFER) as raw:
            self._raw_file = raw
            stream: IO[bytes] = raw
            if self.container.gzip:  # capped: a decompression bomb stops with an error
                gz = gzip.GzipFile(fileobj=raw, mode="rb")
                capped = CappedGzip(gz, raw, self.name, max_gzip_ratio())
                stream = io.BufferedReader(capped, _READ_BUFFER)
            try:
                if kind == "csv":
                    from curate.io.read_tabular import csv_rows

                    yield from csv_rows(stream, self.max_row_bytes)
                elif kind == "json":
                    yield from self._json_rows(stream)
                else:
                    yield from self._jsonl_or_array(stream)
            except (OSError, EOFError, zlib.error) as exc:
                raise UnreadableInput(
                    f"The file '{self.name}' is damaged or cut off and cannot be read to the "
                    f"end ({exc}).",
                    "Re-create or re-download it.",
                ) from None

    # JSON Lines -------------------------------------------------------------------------
    def _jsonl_or_array(self, stream: IO[bytes]) -> Iterator[Row]:
        head = stream.read(65536)
        stream.seek(0)
        body = head.removeprefix(_BOM).lstrip()
        if body.startswith(b"["):
            first = body.split(b"\n", 1)[0]
            try:
                _loads(first)
            except _DecodeError:
                # a pretty-printed JSON array saved under a .jsonl name
                yield from self._json_rows(stream)
                return
        yield from jsonl_rows(stream, self.max_row_bytes, self.name)

    # JSON ---------------------------------------------------------------------------------
    def _json_rows(self, stream: IO[bytes]) -> Iterator[Row]:
        head = stream.read(65536)
        body = head.removeprefix(_BOM).lstrip()
        if not body:
            return
        if not body.startswith(b"["):
            data = head + stream.read(max(0, self.max_row_bytes + 1 - len(head)))
            if len(data) > self.max_row_bytes:
                del data
                stream.seek(0)
                yield from jsonl_rows(stream, self.max_row_bytes, self.name)
                return
            yield from _single_or_lines(data, self.max_row_bytes)
            return
        data = head + stream.read(MAX_JSON_ARRAY_BYTES + 1 - len(head))
        if len(data) > MAX_JSON_ARRAY_BYTES:
            raise UnreadableInput(
                f"The JSON array in '{self.name}' is over {mib(MAX_JSON_ARRAY_BYTES)}; JSON "
                "arrays are read whole and this one is too big.",
                "Save it as JSON Lines (.jsonl, one object per line), which is read row by row, "
                "for example with: jq -c '.[]' in.json > out.jsonl",
            )
        try:
            value = _loads(data.removeprefix(_BOM))
        except _DecodeError as exc:
            what = "invalid UTF-8 or a lone surrogate" if encoding_error(exc) else exc.msg
            raise UnreadableInput(
                f"The file '{self.name}' is not a valid JSON array ({what} at line "
                f"{exc.lineno}, column {exc.colno}).",
                "Fix the file there, or save it as JSON Lines (.jsonl) so that bad rows are "
                "rejected one by one.",
            ) from None
        del data
        for number, element in enumerate(value, 1):
            yield Row(number, element, _lazy_dump(element))


def _lazy_dump(value: Any) -> Any:
    return lambda: dumps_raw(value)


def _single_or_lines(data: bytes, max_row_bytes: int) -> Iterator[Row]:
    """A .json file holding one value is one row; otherwise it is read as JSON Lines."""
    text = data.removeprefix(_BOM)
    try:
        value = _loads(text)
    except _DecodeError:
        stripped = text.strip()
        if b"\n" in stripped:
            yield from jsonl_rows(io.BytesIO(data), max_row_bytes)
            return
        yield next(jsonl_rows(io.BytesIO(data), max_row_bytes))
        return
    yield Row(1, value, text.strip(), len(text))


class LineRow(Row):
    """A JSON Lines row whose ``value`` is parsed from ``line`` on first use.

    A reader that can build its record straight from the line's bytes (see
    ``Format.parse_json_bytes``) never pays for the parse; everything else reads ``value``,
    ``ok`` or ``raw`` as on any Row and gets exactly what an eager parse would have given.
    ``line`` is the line as read: bytes, a leading byte order mark removed, the newline kept.
    """

    __slots__ = ("line",)
    alt = None  # a JSON line has one reading

    def __init__(self, number: int, line: bytes) -> None:  # the fewest stores: once per line
        self.number = number
        self.line = self._raw = line

    @property  # type: ignore[override]
    def size(self) -> int:
        return len(self.line)

    def __getattr__(self, name: str) -> Any:
        # reached only while the ``value`` slot is still empty: parse now, keep the result
        if name != "value":
            raise AttributeError(name)
        value = parse_line(self.number, self.line)
        self.value = value
        return value


def parse_line(number: int, line: bytes) -> Any:
    """One non-blank JSON line's value, or the RowError that says why it is not JSON."""
    try:
        return _loads(line)
    except _DecodeError as exc:
        return _line_error(number, line, exc)


def jsonl_rows(
    stream: IO[bytes], max_row_bytes: int = MAX_ROW_BYTES, name: str = "input"
) -> Iterator[Row]:
    """Rows of a JSON Lines byte stream; never holds more than ``max_row_bytes`` of one line.

    Rows are ``LineRow``s: each line is parsed when its value is first asked for. A run of
    more blank lines than ``max_blank_lines()`` raises ``UnreadableInput`` naming ``name``.
    """
    readline = stream.readline
    limit = max_row_bytes + 1
    number = 0
    max_blank = max_blank_lines()
    blank_since = 0  # the line number after the last non-blank line
    while True:
        line = readline(limit)
        if not line:
            return
        number += 1
        if number == 1 and line.startswith(_BOM):
            line = line[3:]
        if len(line) >= limit and line[-1:] != b"\n":
            yield _too_large(number, line, readline, max_row_bytes)
            blank_since = number
            continue
        if line.isspace() or not line:
            if number - blank_since > max_blank:
                raise too_many_blank_lines(name, blank_since + 1, max_blank)
            continue
        blank_since = number
        yield LineRow(number, line)


def _line_error(number: int, line: bytes, exc: orjson.JSONDecodeError) -> RowError:
    if encoding_error(exc):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as bad:
            return RowError(
                "invalid_encoding",
                f"Line {number} has bytes that are not UTF-8 (at byte {bad.start}); they are "
                "kept as replacement characters in the raw text.",
            )
        return RowError(
            "invalid_encoding",
            f"Line {number} has a lone surrogate escape such as \\ud800 (column {exc.colno}), "
            "which is not valid Unicode text.",
        )
    if line[-1:] != b"\n":
        return RowError(
            "truncated_row",
            f"Line {number} is the last line, has no newline and is not complete JSON "
            f"({exc.msg}); the file looks cut off.",
        )
    return RowError("invalid_json", f"Line {number} is not valid JSON ({exc.msg}, column {exc.colno}).")


def _too_large(number: int, head: bytes, readline: Any, max_row_bytes: int) -> Row:
    size = len(head)
    while True:
        chunk = readline(_SKIP_CHUNK)
        if not chunk:
            break
        size += len(chunk)
        if chunk[-1:] == b"\n":
            break
    error = RowError(
        "row_too_large",
        f"Line {number} is {mib(size)}, over the reader's limit of {mib(max_row_bytes)}; only "
        f"its first {RAW_PREVIEW_BYTES} bytes are kept in the raw text.",
    )
    return Row(number, error, head[:RAW_PREVIEW_BYTES], size)


def _check_readable(path: Path) -> int:
    """The file's size, or UnreadableInput saying why it cannot be read."""
    try:
        if path.is_dir():
            raise UnreadableInput(f"The input '{path}' is a folder, not a file.", "Give a file path.")
        if path.exists() and not path.is_file():
            raise UnreadableInput(
                f"The input '{path}' is not a regular file (a pipe or device).",
                "Save the data to a file first.",
            )
        size = path.stat().st_size
        with open(path, "rb"):
            pass
    except FileNotFoundError:
        raise UnreadableInput(f"The input file '{path}' does not exist.", "Check the path.") from None
    except PermissionError:
        raise UnreadableInput(
            f"The input file '{path}' cannot be read (permission denied).",
            "Check the file's permissions.",
        ) from None
    except OSError as exc:
        raise UnreadableInput(f"The input file '{path}' cannot be read ({exc.strerror}).") from None
    return size


def read_rows(path: str | Path, *, max_row_bytes: int = MAX_ROW_BYTES) -> Iterator[Row]:
    """Stream the rows of a file (see ``RowReader``)."""
    return iter(RowReader(path, max_row_bytes=max_row_bytes))
