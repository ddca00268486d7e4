"""Input limits that keep a hostile or broken file from running for minutes: gzip expansion
and runs of blank lines.

A gzip file a thousand times smaller than what it holds (2 MB of compressed blank lines is
2 GiB read) is refused once it has expanded past ``MAX_GZIP_RATIO`` times the compressed bytes
read so far (after ``GZIP_RATIO_FLOOR`` bytes: small files never trip it), and a run of more
than ``MAX_BLANK_LINES`` blank lines is refused in any JSON Lines file. Both limits can be
raised for a genuine file through the environment variables named in the error.
"""

from __future__ import annotations

import io
import os
from typing import IO

from curate.errors import UnreadableInput

MAX_GZIP_RATIO = 100  # real datasets compress 3-15x; a bomb expands ~1000x
GZIP_RATIO_FLOOR = 64 * 1024 * 1024  # decompressed bytes read before the ratio is checked
MAX_BLANK_LINES = 1_000_000
GZIP_RATIO_ENV = "CURATE_MAX_GZIP_RATIO"
BLANK_LINES_ENV = "CURATE_MAX_BLANK_LINES"


def _env_limit(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip().replace("_", "")
    if not value:
        return default
    try:
        limit = int(value)
    except ValueError:
        raise UnreadableInput(
            f"{name}={os.environ[name]!r} is not a whole number.",
            f"Set {name} to a positive whole number, or unset it for the default ({default:,}).",
        ) from None
    return limit if limit > 0 else default


def max_gzip_ratio() -> int:
    """How many times its compressed size a gzip input may expand to (``CURATE_MAX_GZIP_RATIO``)."""
    return _env_limit(GZIP_RATIO_ENV, MAX_GZIP_RATIO)


def max_blank_lines() -> int:
    """How many blank lines in a row a JSON Lines input may hold (``CURATE_MAX_BLANK_LINES``)."""
    return _env_limit(BLANK_LINES_ENV, MAX_BLANK_LINES)


def too_many_blank_lines(name: str, first: int, limit: int) -> UnreadableInput:
    """The error for a run of over ``limit`` blank lines starting at line ``first``."""
    return UnreadableInput(
        f"The file '{name}' has over {limit:,} blank lines in a row from line {first:,} on, "
        "which looks like padding or a decompression bomb; it was not read further.",
        f"If the file is genuine, remove the blank lines (grep -v '^[[:space:]]*$') or raise "
        f"the limit, for example {BLANK_LINES_ENV}={limit * 10}.",
    )


class CappedGzip(io.RawIOBase):
    """A gzip stream that raises ``UnreadableInput`` once it expands past the ratio limit.

    ``compressed`` is the file the gzip member(s) are read from; its position says how many
    compressed bytes have been consumed.
    """

    def __init__(self, gz: IO[bytes], compressed: IO[bytes], name: str, ratio: int) -> None:
        super().__init__()
        self._gz = gz
        self._compressed = compressed
        self._name = name
        self._ratio = ratio
        self._out = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._out

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self._out = self._gz.seek(offset, whence)
        return self._out

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = self._gz.readinto(buffer)  # type: ignore[attr-defined]
        self._out += n
        if self._out > GZIP_RATIO_FLOOR:
            read = max(self._compressed.tell(), 1)
            if self._out > self._ratio * read:
                raise UnreadableInput(
                    f"The gzip file '{self._name}' expands to over {self._ratio} times its "
                    f"compressed size ({self._out / 2**20:,.0f} MiB from "
                    f"{read / 2**20:,.1f} MiB so far), which looks like a decompression bomb; "
                    "it was not read further.",
                    f"If the file is genuine, raise the limit, for example "
                    f"{GZIP_RATIO_ENV}={self._ratio * 10}, or decompress it first (gunzip).",
                )
        return n
