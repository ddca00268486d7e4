"""Messages that background readers post to the screens (the screens' handlers own the state)."""

from __future__ import annotations

from textual.message import Message

from curate.review.queue import QueueItem
from curate.review.session import PageRequest
from curate.review.stats import Dashboard, HeaderStats


class PageLoaded(Message):
    """A page of queue items arrived for ``request``."""

    def __init__(self, request: PageRequest, items: list[QueueItem]) -> None:
        super().__init__()
        self.request = request
        self.items = items


class StatsLoaded(Message):
    """Fresh header counts, read when the session had made ``changes`` changes."""

    def __init__(self, stats: HeaderStats, changes: int, generation: int) -> None:
        super().__init__()
        self.stats = stats
        self.changes = changes
        self.generation = generation


class DashboardLoaded(Message):
    """The dashboard's numbers."""

    def __init__(self, data: Dashboard) -> None:
        super().__init__()
        self.data = data


class ReadFailed(Message):
    """A background read (``pages``, ``stats`` or ``dashboard``) failed; ``text`` says what
    happened in one sentence."""

    def __init__(self, kind: str, text: str) -> None:
        super().__init__()
        self.kind = kind
        self.text = text
