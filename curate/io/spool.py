"""Inputs that are streams (``-`` for standard input, a pipe, a FIFO) copied to a temporary file.

Reading a dataset needs more than one pass over its first bytes: the container is sniffed,
the format is detected on sampled rows and the file is then read from its start (and
``import`` hashes it). A stream can be read only once, so it is copied, in 1 MiB blocks and
never held in memory, to a private temporary file that is removed when the process exits;
every reader then sees a regular file. Each stream is copied once per process.
"""

from __future__ import annotations

import atexit
import shutil
import stat
import sys
import tempfile
from pathlib import Path

from curate.errors import UnreadableInput

STDIN = "-"
STDIN_NAME = "<stdin>"
_BLOCK = 1024 * 1024
_spooled: dict[str, Path] = {}
_folder: Path | None = None


def is_stream(path: str | Path) -> bool:
    """``path`` is ``-`` or names a pipe, FIFO, socket or character device (not a file).

    >>> is_stream("-"), is_stream("data.jsonl")
    (True, False)
    """
    if str(path) == STDIN:
        return True
    try:
        mode = Path(path).stat().st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISSOCK(mode)


def display_name(path: str | Path) -> str:
    """How an input is named in messages and provenance: ``<stdin>`` for ``-``."""
    return STDIN_NAME if str(path) == STDIN else str(path)


def _temp_folder() -> Path:
    global _folder
    if _folder is None:
        _folder = Path(tempfile.mkdtemp(prefix="curate-input-"))
        atexit.register(shutil.rmtree, _folder, ignore_errors=True)
    return _folder


def spool(path: str | Path) -> Path:
    """A regular file holding everything the stream ``path`` gives (copied on the first call).

    The copy keeps the stream's name (so ``data.jsonl.gz`` still says JSON Lines in gzip);
    ``-`` is named ``stdin`` and its container is told from its first bytes.
    """
    key = str(path)
    done = _spooled.get(key)
    if done is not None:
        return done
    name = "stdin" if key == STDIN else (Path(key).name or "input")
    target = _temp_folder() / f"{len(_spooled)}-{name}"
    try:
        with open(target, "wb") as out:
            if key == STDIN:
                shutil.copyfileobj(sys.stdin.buffer, out, _BLOCK)
            else:
                with open(key, "rb") as source:
                    shutil.copyfileobj(source, out, _BLOCK)
    except OSError as exc:
        raise UnreadableInput(
            f"The input '{display_name(path)}' cannot be read ({exc.strerror or exc}).",
            "Check that the pipe or device is open for reading.",
        ) from None
    _spooled[key] = target
    return target
