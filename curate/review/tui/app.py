"""The review app and its factory, used alike by `curate review` and the tests."""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from textual.app import App
from textual.notifications import SeverityLevel

from curate.inert import inert
from curate.review.filters import QueueFilters
from curate.review.queue import PAGE_SIZE
from curate.review.session import ReviewSession
from curate.review.tui.keys import keymap
from curate.store import Store
from curate.workspace import Workspace, find_workspace

ShownHook = Callable[[str | None, float], None]


class ReviewApp(App[None]):
    """A full-screen review queue over one workspace.

    Decisions are written through ``workspace.store`` on the UI thread, each committed before
    the next record is shown; background workers read pages and counts through a second
    connection (``reader``), so a slow count never holds up a decision.
    """

    CSS_PATH = "review.tcss"
    TITLE = "curate review"
    ENABLE_COMMAND_PALETTE = False

    def __init__(
        self,
        workspace: Workspace,
        filters: QueueFilters,
        reviewer: str,
        page_size: int = PAGE_SIZE,
        owns_workspace: bool = False,
    ) -> None:
        super().__init__()
        self.workspace = workspace
        self.filters = filters
        self.reviewer = reviewer
        self.page_size = page_size
        self._owns_workspace = owns_workspace
        self._reader: Store | None = None
        self.shown_hooks: list[ShownHook] = []
        self.last_shown: str | None = None
        self._frozen = False

    @property
    def reader(self) -> Store:
        """The connection background workers read through (opened on first use)."""
        if self._reader is None:
            self._reader = Store(self.workspace.db_path)
        return self._reader

    def on_mount(self) -> None:
        from curate.review.tui.screens.review import ReviewScreen

        # SQLite copies the write-ahead log back into the database every 1,000 pages, inside
        # the commit that crosses the mark: a pause of 100 ms or more on the decision that
        # happens to do it. The app's own connection leaves that to ``checkpoint``, which
        # the background reader runs whenever the reviewer pauses.
        self.workspace.store.db.read_one("PRAGMA wal_autocheckpoint = 0")
        self.set_keymap(keymap(self.workspace.settings.review.keys))
        session = ReviewSession(self.workspace.store, self.reviewer, self.filters, self.page_size)
        self.push_screen(ReviewScreen(session, self.workspace.settings.max_synthetic_share))

    def record_shown(self, record_id: str | None) -> None:
        """Called once a record (or the end-of-queue notice: None) is on screen."""
        self.last_shown = record_id
        now = time.perf_counter()
        for hook in self.shown_hooks:
            hook(record_id, now)
        if not self._frozen:
            # Everything built to start the app lives until it quits: keeping it out of the
            # garbage collector's full passes cuts their pauses (90 ms) between two records.
            self._frozen = True
            gc.collect()
            gc.freeze()

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """A notification whose text is shown as written: data in it cannot command the terminal.

        Messages name files, tags and search text, so they are neither markup nor controls.
        """
        super().notify(
            inert(message), title=inert(title), severity=severity, timeout=timeout, markup=False
        )

    def checkpoint(self) -> None:
        """Copy the write-ahead log into the database without blocking anyone (any thread)."""
        self.reader.db.read_one("PRAGMA wal_checkpoint(PASSIVE)")

    def on_unmount(self) -> None:
        if self._frozen:
            gc.unfreeze()
        if not self._owns_workspace:  # the caller keeps using its connection: as it was
            self.workspace.store.db.read_one("PRAGMA wal_autocheckpoint = 1000")
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        if self._owns_workspace:
            self.workspace.close()


def create_app(
    workspace: Workspace | str | os.PathLike[str] | None = None,
    *,
    reviewer: str | None = None,
    origin: str | None = None,
    tag: str | Iterable[str] | None = None,
    check: str | None = None,
    cluster: str | None = None,
    search: str | None = None,
    state: str | None = None,
    page_size: int = PAGE_SIZE,
) -> ReviewApp:
    """The review app over a workspace (an open one, or the folder it is in or under).

    Filters choose the queue: ``origin`` (real / synthetic), ``tag`` (``KEY=VALUE``, one or
    several), ``check`` (a failed check code, ``*`` for any), ``cluster`` (a duplicate
    cluster id), ``search`` (text in the turns) and ``state`` (``pending`` by default,
    ``approved``, ``rejected`` or ``all``). ``reviewer`` defaults to ``review.reviewer``.
    A bad filter raises a UsageError before anything opens.
    """
    filters = QueueFilters.build(origin, tag, check, cluster, search, state)
    owns = not isinstance(workspace, Workspace)
    ws = workspace if isinstance(workspace, Workspace) else find_workspace(Path(workspace or "."))
    ws.store  # noqa: B018 - open (and migrate) the store now, not inside the app
    return ReviewApp(ws, filters, reviewer or ws.settings.review.reviewer, page_size, owns)
