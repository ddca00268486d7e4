"""Durable file replacement: write a temp file in the same folder, fsync, rename into place."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from curate.errors import UsageError


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temp path next to ``path``; on success it replaces ``path`` atomically.

    Readers never see a half-written file: the temp file is flushed to disk and renamed over
    the target (``os.replace``), then the folder entry is synced. On an exception the temp
    file is removed and ``path`` is left as it was.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(
            f"The output folder '{folder}' does not exist.", "Create it first or pick another path."
        )
    if target.is_dir():
        raise UsageError(f"The output '{target}' is a folder.", "Give a file path for the output.")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise UsageError(
            f"Cannot write in the folder '{folder}' ({exc.strerror}).", "Pick another output path."
        ) from None
    os.close(fd)
    tmp = Path(tmp_name)
    # mkstemp makes the file private (0600); give the result the target's usual mode instead
    try:
        mode = target.stat().st_mode & 0o777 if target.exists() else 0o644
        os.chmod(tmp, mode)
    except OSError:
        pass
    try:
        yield tmp
        fsync_file(tmp)
        try:
            os.replace(tmp, target)
        except OSError as exc:
            raise UsageError(
                f"Cannot write the output '{target}' ({exc.strerror}).", "Pick another output path."
            ) from None
        fsync_dir(folder)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def fsync_file(path: Path) -> None:
    """Flush a closed file's data to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(folder: Path) -> None:
    """Flush a folder entry (the rename) to disk where the platform allows it."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
