"""The conversation view: system, user, assistant and tool turns with Markdown and code."""

from __future__ import annotations

from textual.widgets import Static

from curate.records import Message
from curate.review.tui.widgets.render import Cached, conversation


class ConversationView(Static):
    """Every turn of a conversation (or a preference pair's shared prompt)."""

    def show(self, messages: list[Message]) -> None:
        self.update(Cached(conversation(messages)))
