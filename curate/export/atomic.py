"""An export directory that appears whole or not at all, and replaces only what curate wrote.

Files are written into a hidden temp folder next to the target, flushed to disk, and the
folder is renamed into place in one step; ``manifest.json`` is written last, so a folder
without it was never completed. On an error the temp folder is removed and an earlier
export at the target is left as it was. A crash (power cut, kill -9) can leave only a hidden
``.NAME.tmp-*`` folder behind, never a complete-looking export. Replacing an earlier export
moves it aside (``.NAME.old-*``) for the instant of the swap, then removes it.

Before anything is written the target is checked (:mod:`curate.export.owned`): it must be
new, empty, or an earlier export whose manifest lists every file in it unchanged, and never
the workspace or a folder around or inside it. Hidden folders a killed export left carry a
marker naming their process; the next export of the same target removes them once that
process is gone, and nothing else.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from curate.errors import UsageError
from curate.export.owned import (
    MANIFEST,
    MARKER,
    check_not_workspace,
    check_owned,
    clean_leftovers,
    snapshot,
    write_marker,
)
from curate.io.atomic import fsync_dir, fsync_file

__all__ = ["MANIFEST", "check_target", "export_dir", "sync_tree"]


def check_target(target: Path, workspace: Path | None = None) -> dict[str, tuple[int, int]]:
    """Refuse a target export may not replace (see :mod:`curate.export.owned`)."""
    check_not_workspace(target, workspace)
    return check_owned(target)


def sync_tree(folder: Path) -> None:
    """Flush every file of ``folder`` and the folder entry itself to disk."""
    for path in sorted(folder.iterdir()):
        if path.is_file():
            fsync_file(path)
    fsync_dir(folder)


@contextlib.contextmanager
def export_dir(target: str | Path, workspace: Path | None = None) -> Iterator[Path]:
    """Yield a temp folder to write the export into; it becomes ``target`` on success."""
    target = Path(os.path.abspath(target))
    check_not_workspace(target, workspace)
    clean_leftovers(target)
    seen = check_owned(target)
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=parent))
        write_marker(tmp, target)
    except OSError as exc:
        raise UsageError(
            f"Cannot write in '{parent}' ({exc.strerror}).", "Pick another --out."
        ) from None
    os.chmod(tmp, 0o755)
    try:
        yield tmp
        (tmp / MARKER).unlink()
        sync_tree(tmp)
        if snapshot(target) != seen:
            raise UsageError(
                f"The folder '{target}' changed while the export was written; "
                "nothing was replaced.",
                "Run the export again.",
            )
        aside = None
        if target.exists():
            aside = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=parent))
            write_marker(aside, target)
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
