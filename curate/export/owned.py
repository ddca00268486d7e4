"""What an export may replace or clean up: only what curate provably wrote.

A folder may be replaced when it is empty, or when its ``manifest.json`` names curate-ft as
the writer (``"tool": "curate-ft"``) and lists every other file in it (a split under
``files`` or a card, ``dataset_info.json`` ... under ``other_files``) with the sha256 the
file still has. Anything else (a file the manifest does not list, a changed file, a
subfolder, a link) is someone else's and the export is refused; there is no override. The
workspace folder, the folders that contain it and anything under ``.curate/`` are never a
target.

A killed export leaves hidden ``.NAME.tmp-*`` / ``.NAME.old-*`` folders next to the target.
Each carries a marker file (:data:`MARKER`) naming the process that made it; the next export
of the same target removes such a folder only when the marker is there and that process is
gone, and moves a left-aside earlier export back when the target is missing.
"""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path
from typing import Any

import orjson

from curate.errors import UsageError

MANIFEST = "manifest.json"
TOOL = "curate-ft"
MARKER = ".curate-export-owner"
SHOWN = 5  # unknown files named in a refusal


def _listed(manifest: dict[str, Any]) -> dict[str, str | None]:
    """The file names the manifest lists, with their sha256 (None when it gives none)."""
    listed: dict[str, str | None] = {}
    files = manifest.get("files")
    if isinstance(files, dict):
        for entry in files.values():
            if isinstance(entry, dict) and isinstance(entry.get("path"), str):
                listed[entry["path"]] = entry.get("sha256")
    others = manifest.get("other_files")
    if isinstance(others, dict):
        for name, entry in others.items():
            listed[name] = entry.get("sha256") if isinstance(entry, dict) else None
    return {k: v for k, v in listed.items() if "/" not in k and "\\" not in k}


def _names(paths: list[str]) -> str:
    more = f" and {len(paths) - SHOWN} more" if len(paths) > SHOWN else ""
    return ", ".join(repr(p) for p in paths[:SHOWN]) + more


def _refuse(target: Path, why: str) -> UsageError:
    return UsageError(
        f"The folder '{target}' {why}; nothing was written or removed.",
        "Move those files out of it or pick another folder with --out "
        "(an export replaces only a folder curate wrote, file for file).",
    )


def unknown_files(target: Path) -> tuple[list[str], list[str]]:
    """Entries of ``target`` the manifest does not account for, and listed files that changed.

    Raises a UsageError when the folder has no manifest written by curate.
    """
    from curate.export.manifest import sha256_file

    try:
        manifest = orjson.loads((target / MANIFEST).read_bytes())
    except FileNotFoundError:
        raise _refuse(target, "is not empty and holds no earlier export") from None
    except (OSError, orjson.JSONDecodeError):
        raise _refuse(target, "holds a manifest.json curate cannot read") from None
    if not isinstance(manifest, dict) or manifest.get("tool") != TOOL:
        raise _refuse(target, "holds a manifest.json that curate did not write")
    listed = _listed(manifest)
    unknown, changed = [], []
    for entry in sorted(os.scandir(target), key=lambda e: e.name):
        if entry.name == MANIFEST and entry.is_file(follow_symlinks=False):
            continue
        if not entry.is_file(follow_symlinks=False):
            unknown.append(entry.name + ("/" if entry.is_dir() else ""))
        elif entry.name not in listed or not listed[entry.name]:
            unknown.append(entry.name)
        elif sha256_file(Path(entry.path)) != listed[entry.name]:
            changed.append(entry.name)
    return unknown, changed


def check_owned(target: Path) -> dict[str, tuple[int, int]]:
    """Refuse unless ``target`` is absent, empty or an earlier export curate wrote whole.

    Returns the size and modification time of each entry, to see at the swap that nothing
    was added or changed since.
    """
    if target.is_symlink():
        raise UsageError(
            f"The export target '{target}' is a link; nothing was written or removed.",
            "Give the real folder path with --out.",
        )
    if target.exists() and not target.is_dir():
        raise UsageError(
            f"The export target '{target}' is a file.", "Give a folder path with --out."
        )
    if not target.is_dir() or not any(target.iterdir()):
        return snapshot(target)
    unknown, changed = unknown_files(target)
    if unknown:
        word = "entry" if len(unknown) == 1 else "entries"
        raise _refuse(target, f"holds {word} its manifest does not list ({_names(unknown)})")
    if changed:
        raise _refuse(target, f"holds files changed since curate wrote them ({_names(changed)})")
    return snapshot(target)


def snapshot(target: Path) -> dict[str, tuple[int, int]]:
    """Each entry of ``target`` with its size and modification time (empty when absent)."""
    if not target.is_dir():
        return {}
    out = {}
    for entry in os.scandir(target):
        st = entry.stat(follow_symlinks=False)
        out[entry.name] = (st.st_size, st.st_mtime_ns)
    return out


def check_not_workspace(target: Path, workspace: Path | None) -> None:
    """Refuse the workspace folder, a folder that contains it, and anything under ``.curate/``."""
    real = Path(os.path.realpath(target))
    if ".curate" in real.parts or (real / "curate.toml").exists() or (real / ".curate").exists():
        raise UsageError(
            f"The export target '{target}' is a workspace or lies in a workspace's .curate "
            "folder; nothing was written or removed.",
            "Pick a folder of its own with --out, e.g. exports/sft.",
        )
    if workspace is None:
        return
    ws = Path(os.path.realpath(workspace))
    if real == ws or real in ws.parents:
        raise UsageError(
            f"The export target '{target}' is the workspace folder or contains it; "
            "nothing was written or removed.",
            "Pick a folder of its own with --out, e.g. exports/sft.",
        )


# leftovers of a killed export ------------------------------------------------------------
def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux), to tell a reused pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[-1].split()[19]


def write_marker(folder: Path, target: Path) -> None:
    """Mark ``folder`` as made by this process for ``target``."""
    pid = os.getpid()
    info = {
        "pid": pid,
        "host": socket.gethostname(),
        "start": _start_time(pid),
        "target": target.name,
    }
    (folder / MARKER).write_bytes(orjson.dumps(info))


def _owner_gone(folder: Path) -> bool:
    """True when ``folder`` carries our marker and the process that wrote it is gone."""
    try:
        info = orjson.loads((folder / MARKER).read_bytes())
        pid = int(info["pid"])
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        return False
    if info.get("host") != socket.gethostname() or pid <= 0:
        return False  # another machine's export: its process cannot be seen from here
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass
    start = info.get("start")
    return start is not None and _start_time(pid) not in (None, start)  # the pid was reused


def clean_leftovers(target: Path) -> list[Path]:
    """Remove the hidden folders a killed export of ``target`` left; returns what was removed.

    Only folders named ``.NAME.tmp-*`` or ``.NAME.old-*`` that carry our marker from a process
    that is gone are touched. A left-aside earlier export goes back to ``target`` when the
    target is missing (the swap was cut short); otherwise it is removed with its folder.
    """
    removed: list[Path] = []
    parent = target.parent
    if not parent.is_dir():
        return removed
    prefixes = (f".{target.name}.tmp-", f".{target.name}.old-")
    for entry in sorted(os.scandir(parent), key=lambda e: e.name):
        if not entry.name.startswith(prefixes) or not entry.is_dir(follow_symlinks=False):
            continue
        folder = Path(entry.path)
        if not _owner_gone(folder):
            continue
        earlier = folder / target.name
        if entry.name.startswith(prefixes[1]) and earlier.is_dir() and not target.exists():
            os.replace(earlier, target)
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed
