"""The record view: the record's line, its turns (or pair) and the side panels."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Static

from curate.review.item import ReviewItem
from curate.review.tui.widgets.conversation import ConversationView
from curate.review.tui.widgets.panels import ChecksPanel, ClusterPanel, ProvenancePanel
from curate.review.tui.widgets.preference import PreferenceView
from curate.review.tui.widgets.render import record_bar

PROMPT = Text("Prompt", style="bold")


class RecordView(Vertical):
    """Everything about one record; ``show`` updates the widgets in place (nothing is remounted)."""

    def compose(self) -> ComposeResult:
        yield Static(id="record-bar")
        with Horizontal(id="record-body"):
            with VerticalScroll(id="main"):
                yield Static(id="notice")
                yield ConversationView(id="conversation")
                yield PreferenceView(id="pair")
            with VerticalScroll(id="side"):
                yield ChecksPanel(id="checks")
                yield ClusterPanel(id="cluster")
                yield ProvenancePanel(id="provenance")

    def on_mount(self) -> None:
        self._bar = self.query_one("#record-bar", Static)
        self._notice = self.query_one("#notice", Static)
        self._main = self.query_one("#main", VerticalScroll)
        self._turns = self.query_one(ConversationView)
        self._pair = self.query_one(PreferenceView)
        self._panels = (
            self.query_one(ChecksPanel),
            self.query_one(ClusterPanel),
            self.query_one(ProvenancePanel),
        )

    def show(self, item: ReviewItem) -> None:
        record = item.record
        pair = record.kind == "preference"
        self.set_class(pair, "-pair")
        self.set_class(False, "-empty")
        self._bar.update(record_bar(item))
        self._notice.update(PROMPT if pair else "")
        self._turns.show(record.messages)
        if pair:
            self._pair.show(record)
        for panel in self._panels:
            panel.show(item)
        if self._main.scroll_y:
            self._main.scroll_home(animate=False)

    def show_notice(self, text: str) -> None:
        """No record to show: say why (loading, the end of the queue)."""
        self.set_class(True, "-empty")
        self.set_class(False, "-pair")
        self._bar.update("")
        self._notice.update(Text(text, style="bold"))
