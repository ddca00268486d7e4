"""The review screen: one record at a time, a key per decision, the next record at once."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Literal

from textual import work
from textual.app import ComposeResult
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer

from curate.errors import CurateError
from curate.records import Record
from curate.review.filters import QueueFilters
from curate.review.queue import ReviewQueue
from curate.review.session import PageRequest, ReviewSession, Step
from curate.review.stats import HeaderStats, header_stats
from curate.review.tui.keys import ACTIONS, review_bindings
from curate.review.tui.messages import PageLoaded, ReadFailed, StatsLoaded
from curate.review.tui.widgets.header import ReviewHeader
from curate.review.tui.widgets.record_view import RecordView

if TYPE_CHECKING:
    from curate.review.tui.app import ReviewApp

STATS_EVERY_S = 10.0  # re-read the counts now and then: other commands may change them
DONE = "Nothing left to review with these filters. Press f to change them, or q to quit."


class ReviewScreen(Screen):
    """Shows the session's current record; every handler here owns the session's state."""

    BINDINGS = review_bindings()
    STATS_DELAY_S = 0.5
    """After a change, the counts are re-read once no change came for this long (the header
    counts each decision itself meanwhile, so a burst of decisions reads nothing)."""

    def __init__(self, session: ReviewSession, max_share: float) -> None:
        super().__init__()
        self.session = session
        self.max_share = max_share
        self.stats: HeaderStats | None = None
        self._stats_running = False
        self._stats_again = False
        self._stats_timer: Timer | None = None

    @property
    def review_app(self) -> ReviewApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield ReviewHeader(id="header")
        yield RecordView(id="record")
        yield Footer()

    def on_mount(self) -> None:
        self._header = self.query_one(ReviewHeader)
        self._view = self.query_one(RecordView)
        self._view.show_notice("Opening the review queue…")
        self._show_header()
        self._fetch_pages()
        self.refresh_stats()
        self.set_interval(STATS_EVERY_S, self.refresh_stats)

    # background reads ---------------------------------------------------------------------
    def _fetch_pages(self) -> None:
        request = self.session.page_request()
        if request is not None:
            self.fetch_page(request)

    @work(thread=True, group="pages", exit_on_error=False)
    def fetch_page(self, request: PageRequest) -> None:
        try:
            queue = ReviewQueue(self.review_app.reader, request.filters, request.limit)
            items = queue.page(request.after, request.limit)
        except Exception as exc:  # a failed read is reported, never a traceback
            self.post_message(ReadFailed("pages", f"Reading the queue failed: {exc}"))
            return
        self.post_message(PageLoaded(request, items))

    def on_page_loaded(self, message: PageLoaded) -> None:
        if not self.session.add_page(message.request, message.items):
            return
        if self.session.waiting:
            self._show_step(self.session.advance())
        self._fetch_pages()

    def refresh_stats(self) -> None:
        """Re-read the header counts in the background (one read at a time)."""
        if self._stats_running:
            self._stats_again = True
            return
        self._stats_running = True
        self._stats_again = False
        self.read_stats(self.session.filters, self.session.changes, self.session.generation)

    @work(thread=True, group="stats", exit_on_error=False)
    def read_stats(self, filters: QueueFilters, changes: int, generation: int) -> None:
        try:
            stats = header_stats(ReviewQueue(self.review_app.reader, filters), self.max_share)
            self.review_app.checkpoint()  # the reviewer paused: a good moment
        except Exception as exc:
            self.post_message(ReadFailed("stats", f"Counting the queue failed: {exc}"))
            return
        self.post_message(StatsLoaded(stats, changes, generation))

    def on_stats_loaded(self, message: StatsLoaded) -> None:
        self._stats_running = False
        current = (
            message.changes == self.session.changes
            and message.generation == self.session.generation
        )
        if current:
            self.session.counts = message.stats.counts
            self.stats = message.stats
            self._show_header()
        if self._stats_again or not current:
            self.refresh_stats()

    def on_read_failed(self, message: ReadFailed) -> None:
        if message.kind == "pages":
            self.session.loading = False  # the next key asks again
        else:
            self._stats_running = False
        self.notify(message.text, severity="error")

    # showing ------------------------------------------------------------------------------
    def _show_header(self) -> None:
        stats = self.stats
        if stats is not None and stats.counts != self.session.counts:
            stats = dataclasses.replace(stats, counts=self.session.counts)
        self._header.show(stats, self.session.filters.describe())

    def _show_step(self, step: Step) -> None:
        item = self.session.item
        if step == "shown" and item is not None:
            self._view.show(item)
            self.call_after_refresh(self.review_app.record_shown, item.id)
        elif step == "waiting":
            self._view.show_notice("Loading the next records…")
        else:
            self._view.show_notice(DONE)
            self.call_after_refresh(self.review_app.record_shown, None)
        self._show_header()

    def _show_current(self) -> None:
        self._show_step("shown" if self.session.item is not None else "waiting")

    def _advance(self, after_decision: bool) -> None:
        self._show_step(self.session.advance(after_decision))
        self._fetch_pages()

    def _changed(self) -> None:
        self._show_header()
        if self._stats_timer is not None:
            self._stats_timer.stop()
        self._stats_timer = self.set_timer(self.STATS_DELAY_S, self.refresh_stats)

    # decisions ----------------------------------------------------------------------------
    def _decide(
        self, action: Literal["approve", "reject", "skip"], reason: str | None = None
    ) -> None:
        try:
            self.session.decide(action, reason)
        except CurateError as exc:
            self.notify(exc.message, severity="error")
            return
        self._advance(after_decision=True)
        self._changed()

    def action_approve(self) -> None:
        self._decide("approve")

    def action_skip(self) -> None:
        self._decide("skip")

    def action_reject(self) -> None:
        from curate.review.tui.screens.reason import ReasonScreen

        if self.session.item is None:
            return

        def chosen(reason: str | None) -> None:
            if reason is not None:  # None: cancelled, nothing recorded
                self._decide("reject", reason or None)

        self.app.push_screen(ReasonScreen(), chosen)

    def action_undo(self) -> None:
        try:
            undo = self.session.undo()
        except CurateError as exc:
            self.notify(exc.message, severity="error")
            return
        if undo is None:  # decisions made elsewhere (curate approve, another session) stay
            self.notify("Nothing to undo in this session.")
            return
        self._show_current()
        count = len(undo.restored) + len(undo.kept)
        what = "record" if count == 1 else f"{count} records"
        self.notify(f"Undid {undo.action} of this session's {what}.")
        self._changed()

    def action_next(self) -> None:
        self._advance(after_decision=False)

    def action_previous(self) -> None:
        if self.session.previous():
            self._show_current()
        else:
            self.notify("This is the first record of this session.")

    def _save(self, edited: Record | None, reason: str) -> None:
        if edited is None:
            return
        try:
            version = self.session.save_version(edited, reason)
        except CurateError as exc:
            self.notify(exc.message, severity="error")
            return
        self._show_current()
        self.notify(f"Saved as a new version {version.id}; the original is kept.")
        self._changed()

    def action_edit(self) -> None:
        from curate.review.tui.screens.edit import EditScreen

        item = self.session.item
        if item is None:
            return
        if item.state == "edited":
            self.notify("This record was replaced by an edit; edit its newest version.")
            return
        self.app.push_screen(EditScreen(item.record), lambda r: self._save(r, "edited in review"))

    def action_swap(self) -> None:
        item = self.session.item
        if item is None:
            return
        if item.record.kind != "preference":
            self.notify("Only a preference pair has chosen and rejected answers to swap.")
            return
        try:
            self.session.swap()
        except CurateError as exc:
            self.notify(exc.message, severity="error")
            return
        self._show_current()
        self.notify("Swapped chosen and rejected in a new version (u undoes it).")
        self._changed()

    # other screens ----------------------------------------------------------------------
    def apply_filters(self, filters: QueueFilters | None) -> None:
        """Start over on the queue these filters select (None: keep the current one)."""
        if filters is None or filters == self.session.filters:
            return
        self.session.set_filters(filters)
        self.stats = None
        self._view.show_notice("Loading the queue…")
        self._fetch_pages()
        self._show_header()
        self.refresh_stats()

    def action_search(self) -> None:
        from curate.review.tui.screens.filters import SearchScreen

        def searched(text: str | None) -> None:
            if text is not None:
                self.apply_filters(self.session.filters.replace(search=text.strip() or None))

        self.app.push_screen(SearchScreen(self.session.filters.search or ""), searched)

    def action_filters(self) -> None:
        from curate.review.tui.screens.filters import FiltersScreen

        self.app.push_screen(FiltersScreen(self.session.filters), self.apply_filters)

    def action_dashboard(self) -> None:
        from curate.review.tui.screens.dashboard import DashboardScreen

        self.app.push_screen(DashboardScreen(self.session.filters, self.max_share))

    def action_help(self) -> None:
        from curate.review.tui.screens.help import HelpScreen

        shown: dict[str, str] = {}
        for active in self.active_bindings.values():
            binding = active.binding
            if binding.id and binding.id.startswith("review."):
                shown[binding.action] = self.app.get_key_display(binding)
        rows = [(shown.get(name, "-"), label, text) for name, (_, label, text) in ACTIONS.items()]
        self.app.push_screen(HelpScreen(rows))

    def action_quit(self) -> None:
        self.app.exit()
