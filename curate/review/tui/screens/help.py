"""The help screen: every key of the review screen (as bound now) and what it does."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

ABOUT = (
    "Every decision is saved before the next record appears; quitting or closing the "
    "terminal loses nothing. Reopening resumes with the first record still pending "
    "(skipped ones come last). Keys are set in curate.toml under [review.keys]."
)


class HelpScreen(ModalScreen[None]):
    """Keys as rows of (key, name, what it does)."""

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("question_mark", "close", "Close", show=False),
        Binding("q", "close", "Close", show=False),
    ]

    def __init__(self, rows: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=True, header_style="bold", expand=True)
        table.add_column("key", style="bold cyan", no_wrap=True)
        table.add_column("action", no_wrap=True)
        table.add_column("what it does")
        for key, name, text in self.rows:
            table.add_row(key, name, text)
        with Vertical(id="dialog"):
            yield Static("Review keys", id="dialog-title")
            yield Static(table, id="help-keys")
            yield Static(ABOUT, classes="hint")

    def action_close(self) -> None:
        self.dismiss(None)
