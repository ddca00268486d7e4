"""A review session: where the reviewer is in the queue, and the decisions they make.

The session is plain Python (the Textual screen drives it). It keeps the records shown so
far (the trail, for ``previous``), a small buffer of upcoming queue items that a
background reader refills page by page, and the queue's counts. Every decision goes
through the store in its own transaction before the session moves on, exactly as
``curate approve`` / ``reject`` / ``undo`` record it, under this session's own id
(``tui-…``): undo reverts only this session's last decision, never one made by a command or
another session in the meantime.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from curate.errors import UsageError
from curate.records import Record
from curate.review.edit_text import swapped
from curate.review.filters import QueueFilters
from curate.review.item import ReviewItem, load_item
from curate.review.queue import PAGE_SIZE, QueueCounts, QueueItem, ReviewQueue
from curate.store import SessionTag, Store, Undo
from curate.store.review import TARGET

Step = Literal["shown", "waiting", "done"]
LOW_WATER = 100  # ask for the next page when fewer upcoming items than this remain


@dataclass(frozen=True)
class PageRequest:
    """What a background reader should fetch: the page after ``after`` for these filters."""

    generation: int
    filters: QueueFilters
    after: tuple[int, int] | None
    limit: int


class ReviewSession:
    """Navigation and decisions over one queue (see the module docstring)."""

    def __init__(
        self,
        store: Store,
        reviewer: str,
        filters: QueueFilters | None = None,
        page_size: int = PAGE_SIZE,
        loader: Callable[[Store, str], ReviewItem] = load_item,
    ) -> None:
        if not reviewer:
            raise UsageError("A review session needs a reviewer name.")
        self.store = store
        self.reviewer = reviewer
        self.filters = filters or QueueFilters()
        self.page_size = page_size
        self.low_water = min(LOW_WATER, max(1, page_size // 2))
        self._load = loader
        self.counts = QueueCounts()
        self.changes = 0  # decisions, undos and edits made in this session
        self.tag = SessionTag.new("tui", reviewer, "curate review")
        self._reset()

    def _reset(self) -> None:
        self.generation = getattr(self, "generation", 0) + 1
        self.trail: list[str] = []
        self.pos = -1
        self.item: ReviewItem | None = None
        self.upcoming: deque[QueueItem] = deque()
        self.cursor: tuple[int, int] | None = None
        self.exhausted = False  # the last page was short: read again only once the buffer is empty
        self.final = False  # the last page was empty: the queue is done (until a skip)
        self.loading = False
        self.waiting = True  # nothing shown yet: the first page decides what to show

    # paging -------------------------------------------------------------------------------
    def page_request(self) -> PageRequest | None:
        """The next page to fetch, when the buffer runs low and none is on its way."""
        if self.loading or self.final or len(self.upcoming) >= self.low_water:
            return None
        if self.exhausted and self.upcoming:
            return None
        self.loading = True
        return PageRequest(self.generation, self.filters, self.cursor, self.page_size)

    def add_page(self, request: PageRequest, items: list[QueueItem]) -> bool:
        """Take a fetched page; False when it belongs to filters no longer in use."""
        if request.generation != self.generation:
            return False
        self.loading = False
        self.upcoming.extend(items)
        if items:
            self.cursor = items[-1].key
        self.exhausted = len(items) < request.limit
        self.final = not items
        return True

    def set_filters(self, filters: QueueFilters) -> None:
        """Start over on a new queue (pages of the old one are ignored when they arrive)."""
        self.filters = filters
        self._reset()

    # navigation ---------------------------------------------------------------------------
    def _matches(self, state: str) -> bool:
        return state != "edited" and self.filters.state in ("all", state)

    def advance(self, after_decision: bool = False) -> Step:
        """Move to the next record: later in the trail, else the next queued one.

        After a decision, records already decided are passed over. Returns ``waiting``
        when the next page has not arrived yet and ``done`` at the end of the queue.
        """
        while self.pos + 1 < len(self.trail):
            self.pos += 1
            item = self._load(self.store, self.trail[self.pos])
            if not after_decision or self._matches(item.state):
                self.item = item
                self.waiting = False
                return "shown"
        while self.upcoming:
            queued = self.upcoming.popleft()
            try:
                item = self._load(self.store, queued.record_id)
            except UsageError:
                continue
            if not self._matches(item.state):  # decided elsewhere since the page was read
                continue
            self.trail.append(item.id)
            self.pos = len(self.trail) - 1
            self.item = item
            self.waiting = False
            return "shown"
        self.item = None
        self.pos = len(self.trail)
        self.waiting = not self.final
        return "waiting" if self.waiting else "done"

    def previous(self) -> bool:
        """Go back to the record shown before this one; False at the start of the session."""
        if self.pos <= 0:
            return False
        self.pos = min(self.pos, len(self.trail)) - 1
        self.item = self._load(self.store, self.trail[self.pos])
        self.waiting = False
        return True

    def reload(self) -> None:
        """Read the current record again (its state or annotations may have changed)."""
        if self.item is not None:
            self.item = self._load(self.store, self.item.id)

    def _jump_to(self, record_id: str) -> None:
        if record_id in self.trail:
            self.pos = len(self.trail) - 1 - self.trail[::-1].index(record_id)
        else:
            self.pos = min(self.pos + 1, len(self.trail))
            self.trail.insert(self.pos, record_id)
        self.item = self._load(self.store, record_id)
        self.waiting = False

    # decisions ----------------------------------------------------------------------------
    def _current(self) -> ReviewItem:
        if self.item is None:
            raise UsageError("There is no record on screen to decide on.")
        if self.item.state == "edited":
            raise UsageError(
                "This record was replaced by an edit.", "Decide on its newest version instead."
            )
        return self.item

    def decide(
        self, action: Literal["approve", "reject", "skip"], reason: str | None = None
    ) -> None:
        """Record a decision on the current record (committed before this returns)."""
        item = self._current()
        result = self.store.record_decision(
            [item.id], action, self.reviewer, reason, session=self.tag
        )
        if result.changed:
            self.counts = self.counts.moved(item.state, TARGET.get(action, item.state))
        if action == "skip":
            self.final = False  # the skipped record now queues after the rest: read on
        self.changes += 1

    def undo(self) -> Undo | None:
        """Revert this session's latest decision (a new event) and show its record again."""
        undo = self.store.undo_last(self.reviewer, session=self.tag.id, by=self.tag)
        if undo is None:
            return None
        self.changes += 1
        self.counts = ReviewQueue(self.store, self.filters).counts()  # rare: count again
        target = (undo.restored or undo.kept)[0]
        self._jump_to(target)
        return undo

    def save_version(self, edited: Record, reason: str) -> Record:
        """Store an edited version of the current record and show it instead of the original."""
        item = self._current()
        version = self.store.add_version(
            item.record, edited, self.reviewer, reason, session=self.tag
        )
        self.counts = self.counts.moved(item.state, "pending")
        self.changes += 1
        self.trail[self.pos] = version.id
        self.item = self._load(self.store, version.id)
        return version

    def swap(self) -> Record:
        """Save a version of the current preference pair with chosen and rejected exchanged."""
        item = self._current()
        return self.save_version(swapped(item.record), "swapped chosen and rejected")
