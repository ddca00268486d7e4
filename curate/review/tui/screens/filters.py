"""The filter and search dialogs: choose which records the queue holds."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from curate.errors import CurateError
from curate.inert import inert
from curate.review.filters import QueueFilters

STATES = [
    ("pending (to review)", "pending"),
    ("all", "all"),
    ("approved", "approved"),
    ("rejected", "rejected"),
]
ORIGINS = [("any", "any"), ("real", "real"), ("synthetic", "synthetic")]


class SearchScreen(ModalScreen[str | None]):
    """Dismisses with the text to search for ("" clears the search), or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, current: str = "") -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("Search the text of the turns", id="dialog-title")
            yield Input(self.current, placeholder="words to find (empty: no search)", id="search")
            yield Label("Enter searches · Esc cancels", classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class FiltersScreen(ModalScreen[QueueFilters | None]):
    """Dismisses with the new filters, or None when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "apply", "Apply", priority=True),
    ]

    def __init__(self, filters: QueueFilters) -> None:
        super().__init__()
        self.filters = filters

    def compose(self) -> ComposeResult:
        f = self.filters
        with Vertical(id="dialog", classes="wide"):
            yield Label("Filter the queue", id="dialog-title")
            with Grid(id="filter-grid"):
                yield Label("state")
                yield Select(STATES, value=f.state, allow_blank=False, id="state")
                yield Label("origin")
                yield Select(ORIGINS, value=f.origin or "any", allow_blank=False, id="origin")
                yield Label("tags")
                yield Input(
                    ", ".join(f"{k}={v}" for k, v in f.tags),
                    placeholder="KEY=VALUE, several separated by commas",
                    id="tags",
                )
                yield Label("failed check")
                yield Input(f.check or "", placeholder="a check code, or * for any", id="check")
                yield Label("cluster")
                yield Input(f.cluster or "", placeholder="a duplicate cluster id", id="cluster")
                yield Label("search")
                yield Input(f.search or "", placeholder="words in the turns", id="search")
            yield Static("", id="filter-error")
            with Horizontal(id="buttons"):
                yield Button("Apply", variant="primary", id="apply")
                yield Button("Clear", id="clear")
                yield Button("Cancel", id="cancel")
            yield Label("Enter or Ctrl+S applies · Esc cancels", classes="hint")

    def _value(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value

    def read(self) -> QueueFilters:
        """The filters as entered (a UsageError for a bad one)."""
        origin = self.query_one("#origin", Select).value
        return QueueFilters.build(
            origin=None if origin == "any" else str(origin),
            tag=[t for t in self._value("tags").split(",") if t.strip()],
            check=self._value("check"),
            cluster=self._value("cluster"),
            search=self._value("search"),
            state=str(self.query_one("#state", Select).value),
        )

    def action_apply(self) -> None:
        try:
            filters = self.read()
        except CurateError as exc:
            self.query_one("#filter-error", Static).update(
                Text(inert(exc.message + (f" {exc.fix}" if exc.fix else "")))
            )
            return
        self.dismiss(filters)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_apply()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "apply":
            self.action_apply()
        elif event.button.id == "clear":
            self.dismiss(QueueFilters())
        else:
            self.dismiss(None)
