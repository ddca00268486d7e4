"""The edit screen: the record's turns as editable text; saving makes a new version."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Static, TextArea

from curate.errors import CurateError
from curate.inert import has_control, inert
from curate.records import Record
from curate.review.edit_text import from_text, is_plain, to_text

LAYOUT_HELP = (
    "Each turn starts with a '### role' line (system, user, assistant, tool); a preference "
    "pair has '## prompt', '## chosen' and '## rejected' sections. Ctrl+S saves a new "
    "version (the original is kept), Esc cancels."
)
JSON_HELP = (
    "These turns carry tool calls, names or weights, so they are edited as JSON. Ctrl+S saves "
    "a new version (the original is kept), Esc cancels."
)


class EditScreen(Screen[Record | None]):
    """Dismisses with the edited record (not stored yet), or None when cancelled or unchanged."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save version", priority=True),
        Binding("escape", "cancel", "Cancel", priority=True),
    ]

    def __init__(self, record: Record) -> None:
        super().__init__()
        self.record = record
        self.original = to_text(record)

    def compose(self) -> ComposeResult:
        yield Static(f"Editing {self.record.id}", id="edit-title")
        yield Static(LAYOUT_HELP if is_plain(self.record) else JSON_HELP, id="edit-help")
        yield TextArea(self.original, id="editor", soft_wrap=True, show_line_numbers=True)
        yield Static("", id="edit-error")
        yield Footer()

    def on_mount(self) -> None:
        if has_control(self.original):
            # the editor shows text as it is: the record's escape sequences would reach the
            # terminal, and showing them as \x1b would change what is saved
            self.notify(
                "This record holds control characters (shown as escapes such as \\x1b), which "
                "the editor cannot show safely; it was not opened for editing.",
                severity="warning",
            )
            self.dismiss(None)
            return
        self.query_one(TextArea).focus()

    def action_save(self) -> None:
        text = self.query_one(TextArea).text
        if text == self.original:
            self.notify("Nothing changed; no version was made.")
            self.dismiss(None)
            return
        try:
            edited = from_text(self.record, text)
        except CurateError as exc:
            message = exc.message + (f" {exc.fix}" if exc.fix else "")
            self.query_one("#edit-error", Static).update(Text(inert(message)))
            return
        if edited.id == self.record.id:
            self.notify("Nothing changed; no version was made.")
            self.dismiss(None)
            return
        self.dismiss(edited)

    def action_cancel(self) -> None:
        self.dismiss(None)
