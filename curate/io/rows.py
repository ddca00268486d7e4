"""One input row as the readers yield it: its number, its parsed value or error, its raw text."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import orjson

from curate.errors import RowError

# The largest single row (line, CSV record or JSON value) a reader accepts. A bigger row is
# rejected as ``row_too_large`` without ever being held in memory whole.
MAX_ROW_BYTES = 64 * 1024 * 1024
# How much of a too-large row is kept as its ``raw`` text in the reject.
RAW_PREVIEW_BYTES = 4096


class Row:
    """A row read from a file.

    ``value`` is the parsed JSON value (usually a dict) or a ``RowError`` saying why the row
    could not be read. ``raw`` is the row as text, decoded with replacement characters where
    the bytes were not UTF-8; it is built only when asked for (rejects need it, records do not).
    A Row unpacks as ``number, value, raw``.

    ``alt`` is a second reading of the same row, or None: a CSV row whose cells look like JSON
    has ``value`` with those cells decoded and ``alt`` with every cell as text, so a format
    that wants text there (alpaca's ``output`` holding a JSON answer) can still take it.
    """

    __slots__ = ("_raw", "alt", "number", "size", "value")

    def __init__(
        self,
        number: int,
        value: Any,
        raw: bytes | str | Callable[[], str],
        size: int = 0,
        alt: Any = None,
    ) -> None:
        self.number = number
        self.value = value
        self._raw = raw
        self.size = size
        self.alt = alt

    @property
    def ok(self) -> bool:
        """True when the row parsed (it may still fail to become a record)."""
        return not isinstance(self.value, RowError)

    @property
    def raw(self) -> str:
        raw = self._raw
        if isinstance(raw, bytes):
            return raw.decode("utf-8", "replace").rstrip("\r\n")
        if isinstance(raw, str):
            return raw
        text = raw()
        self._raw = text
        return text

    def __iter__(self) -> Iterator[Any]:
        yield self.number
        yield self.value
        yield self.raw

    def __repr__(self) -> str:
        return f"Row({self.number}, {self.value!r})"


def dumps_raw(value: Any) -> str:
    """A parsed value back as compact JSON text (the raw text of rows that had no text)."""
    return orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS).decode()


def encoding_error(exc: orjson.JSONDecodeError) -> bool:
    """True when orjson failed because of bad UTF-8 or a lone surrogate escape."""
    msg = exc.msg
    return "surrogate" in msg or "UTF-8" in msg


def mib(n: int) -> str:
    """A byte count as a short MiB figure for messages."""
    return f"{n / 2**20:.1f} MiB"
