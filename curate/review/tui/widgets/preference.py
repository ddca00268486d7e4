"""A preference pair's two answers side by side: chosen on the left, rejected on the right."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from curate.records import Record
from curate.review.tui.widgets.render import Cached, side


class PreferenceView(Horizontal):
    """Chosen | rejected, each a column of turns."""

    def compose(self) -> ComposeResult:
        yield Static(id="chosen", classes="side")
        yield Static(id="rejected", classes="side")

    def show(self, record: Record) -> None:
        self.query_one("#chosen", Static).update(
            Cached(side("chosen", record.chosen or [], "green"))
        )
        self.query_one("#rejected", Static).update(
            Cached(side("rejected", record.rejected or [], "red"))
        )
