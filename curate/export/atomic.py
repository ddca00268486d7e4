"""An export directory that appears whole or not at all.

Files are written into a hidden temp folder next to the target, flushed to disk, and the
folder is renamed into place in one step; ``manifest.json`` is written last, so a folder
without it was never completed. On an error the temp folder is removed and an earlier
export at the target is left as it was. A crash (power cut, kill -9) can leave only a hidden
``.NAME.tmp-*`` folder behind, never a complete-looking export. Replacing an earlier export
moves it aside (``.NAME.old-*``) for the instant of the swap, then removes it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from curate.errors import UsageError
from curate.io.atomic import fsync_dir, fsync_file

MANIFEST = "manifest.json"


def check_target(target: Path) -> None:
    """Refuse a target that is a file, or a folder with files that are not an earlier export."""
    if target.exists() and not target.is_dir():
        raise UsageError(
            f"The export target '{target}' is a file.", "Give a folder path with --out."
        )
    if target.is_dir() and any(target.iterdir()) and not (target / MANIFEST).is_file():
        raise UsageError(
            f"The folder '{target}' is not empty and holds no earlier export; nothing was written.",
            "Pick a new or empty folder with --out (an earlier export folder is replaced).",
        )


def sync_tree(folder: Path) -> None:
    """Flush every file of ``folder`` and the folder entry itself to disk."""
    for path in sorted(folder.iterdir()):
        if path.is_file():
            fsync_file(path)
    fsync_dir(folder)


@contextlib.contextmanager
def export_dir(target: str | Path) -> Iterator[Path]:
    """Yield a temp folder to write the export into; it becomes ``target`` on success."""
    target = Path(os.path.abspath(target))
    check_target(target)
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=parent))
    except OSError as exc:
        raise UsageError(
            f"Cannot write in '{parent}' ({exc.strerror}).", "Pick another --out."
        ) from None
    os.chmod(tmp, 0o755)
    try:
        yield tmp
        sync_tree(tmp)
        aside = None
        if target.exists():
            aside = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=parent))
            os.replace(target, aside / target.name)
        try:
            os.replace(tmp, target)
        except BaseException:
            if aside is not None:  # put the earlier export back
                os.replace(aside / target.name, target)
            raise
        fsync_dir(parent)
        if aside is not None:
            shutil.rmtree(aside, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
