"""The reject-reason dialog: pick a short reason, type one, or reject without one."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

REASONS = (
    "inaccurate or wrong answer",
    "low-quality or unhelpful answer",
    "unsafe, secret or personal data",
    "unclear or off-topic prompt",
    "duplicate of another record",
    "bad formatting",
)
NO_REASON = "no reason"


class ReasonScreen(ModalScreen[str | None]):
    """Dismisses with the reason ("" for none), or None when cancelled (nothing is recorded)."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        *(Binding(str(i), f"pick({i})", show=False) for i in range(len(REASONS) + 1)),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("Reject this record. Why? (optional)", id="dialog-title")
            yield OptionList(
                Option(f"0  {NO_REASON}", id="reason-0"),
                *(Option(f"{i}  {text}", id=f"reason-{i}") for i, text in enumerate(REASONS, 1)),
                id="reasons",
            )
            yield Input(placeholder="…or type a reason and press Enter", id="typed")
            yield Label(
                "Enter rejects · 0-6 pick a reason · type your own · Esc cancels", classes="hint"
            )

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0
        options.focus()

    def on_key(self, event: events.Key) -> None:
        """Typing a reason goes to the text box, wherever the focus is (keys the box handles
        itself never reach the screen; focus moves a moment later than the next key)."""
        typed = self.query_one("#typed", Input)
        char = event.character
        if not char or not char.isprintable():
            return
        if not typed.value and (char.isdigit() or char == " "):  # digits pick from the list
            return
        event.stop()
        event.prevent_default()
        typed.insert_text_at_cursor(char)
        if self.focused is not typed:
            typed.focus()

    def action_pick(self, index: int) -> None:
        self.dismiss("" if index == 0 else REASONS[index - 1])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_pick(event.option_index)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)
