"""A workspace: a folder with `curate.toml` (settings) and `.curate/` (the SQLite store)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from curate.errors import UsageError
from curate.settings import DEFAULT_TOML, SETTINGS_FILE, Settings, load_settings
from curate.store import Store

STATE_DIR = ".curate"
DB_FILE = "curate.db"


@dataclass
class Workspace:
    """An open workspace. The store opens on first use; close it (or use ``with``) when done."""

    root: Path
    settings: Settings
    _store: Store | None = field(default=None, repr=False)

    @property
    def settings_path(self) -> Path:
        return self.root / SETTINGS_FILE

    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIR

    @property
    def db_path(self) -> Path:
        return self.state_dir / DB_FILE

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store(self.db_path)
        return self._store

    def source_key(self, path: Path | str) -> str:
        """How a source file is named in the store: relative to the workspace root when it
        lies inside it (POSIX separators), else the absolute path."""
        resolved = Path(os.path.abspath(Path(path).expanduser()))
        try:
            return resolved.relative_to(self.root).as_posix()
        except ValueError:
            return resolved.as_posix()

    def status(self) -> dict[str, Any]:
        """`Store.status()` with the workspace's synthetic-share limit and location, and the
        records the latest ``curate dedupe --against`` marked as contaminated
        (``contaminated``: a count, 0 when it never ran; ``contamination_run``: its id or None).
        """
        from curate.dedup import contaminated_ids
        from curate.dedup.against import RUN_KIND

        out = self.store.status(self.settings.max_synthetic_share)
        run = self.store.latest_run(RUN_KIND)
        return {
            "workspace": str(self.root),
            **out,
            "contaminated": len(contaminated_ids(self.store)) if run else 0,
            "contamination_run": run.id if run else None,
        }

    def lock(self, command: str) -> Any:
        """The workspace lock for a mutating command (``with ws.lock("curate import x").hold():``;
        see curate/store/lock.py): one such command at a time, the holder named to others."""
        from curate.store.lock import WorkspaceLock

        return WorkspaceLock(self.state_dir, command)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def __enter__(self) -> Workspace:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def open_workspace(root: Path | str) -> Workspace:
    """Open the workspace whose `curate.toml` is in ``root``."""
    root = Path(os.path.abspath(Path(root).expanduser()))
    return Workspace(root, load_settings(root / SETTINGS_FILE))


def init_workspace(directory: Path | str = ".") -> Workspace:
    """Make ``directory`` (created if needed) a workspace: a commented default
    `curate.toml` and a migrated store in `.curate/`. Refuses to touch an existing one."""
    root = Path(os.path.abspath(Path(directory).expanduser()))
    if root.exists() and not root.is_dir():
        raise UsageError(f"'{root}' is a file, not a folder.", "Give a folder for the workspace.")
    for existing in (root / SETTINGS_FILE, root / STATE_DIR):
        if existing.exists():
            raise UsageError(
                f"'{root}' is already a workspace ({existing.name} exists); nothing was changed.",
                "Use it as it is, or pick another folder.",
            )
    try:
        (root / STATE_DIR).mkdir(parents=True)
        tmp = root / f".{SETTINGS_FILE}.tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(DEFAULT_TOML)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, root / SETTINGS_FILE)
    except OSError as exc:
        raise UsageError(f"Cannot create a workspace in '{root}' ({exc.strerror}).") from None
    workspace = open_workspace(root)
    workspace.store  # noqa: B018 - create and migrate the database now
    return workspace


def find_workspace(start: Path | str | None = None) -> Workspace:
    """The workspace containing ``start`` (default: the current folder), walking upwards."""
    here = Path(os.path.abspath(Path(start or os.getcwd()).expanduser()))
    for folder in (here, *here.parents):
        if (folder / SETTINGS_FILE).is_file():
            return open_workspace(folder)
    raise UsageError("No workspace here. Run `curate init` first.")
