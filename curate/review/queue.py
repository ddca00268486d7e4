"""The review queue: the records left to review, in priority order, paged by SQL keyset.

Order (lowest first), one bit each, then insertion order:

- 8: already decided (only when the filters ask for ``state=all``; pending comes first),
- 4: skipped (a skip that was not undone: skipped records come after the rest),
- 2: passes the latest check run (records that fail a check come first),
- 1: real (synthetic records come first).

Pages are fetched after a ``(priority, rid)`` cursor, so a decision, a skip or a
concurrent import between pages never shifts or repeats what is still to come; the
queue never holds more than a page of ids. Every read is a single statement on an
autocommit connection, so no read transaction stays open.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from curate.review.filters import QueueFilters
from curate.store import Store
from curate.store.review_queue import SKIPPED, queue_page, queue_states

PAGE_SIZE = 200


@dataclass(frozen=True)
class QueueItem:
    """One queued record: its priority, internal row key and id."""

    priority: int
    rid: int
    record_id: str

    @property
    def key(self) -> tuple[int, int]:
        """The keyset cursor that the next page starts after."""
        return self.priority, self.rid

    @property
    def skipped(self) -> bool:
        return bool(self.priority & SKIPPED)


@dataclass(frozen=True)
class QueueCounts:
    """Review states of the records the filters select (ignoring their state filter)."""

    pending: int = 0
    approved: int = 0
    rejected: int = 0

    @property
    def reviewed(self) -> int:
        return self.approved + self.rejected

    @property
    def total(self) -> int:
        return self.pending + self.approved + self.rejected

    def moved(self, before: str, after: str) -> QueueCounts:
        """The counts after one record went from state ``before`` to ``after``."""
        values = {"pending": self.pending, "approved": self.approved, "rejected": self.rejected}
        if before == after or before not in values or after not in values:
            return self
        values[before] = max(0, values[before] - 1)
        values[after] += 1
        return QueueCounts(**values)


class ReviewQueue:
    """A lazily paged view of the records to review (see the module docstring for the order)."""

    def __init__(
        self, store: Store, filters: QueueFilters | None = None, page_size: int = PAGE_SIZE
    ) -> None:
        self.store = store
        self.filters = filters or QueueFilters()
        self.page_size = page_size

    def page(
        self, after: tuple[int, int] | None = None, limit: int | None = None
    ) -> list[QueueItem]:
        """The next ``limit`` queued records after the cursor ``after`` (from the start if None)."""
        cond, params = self.filters.sql()
        start = after if after is not None else (-1, 0)
        rows = queue_page(self.store, cond, params, start, limit or self.page_size)
        return [QueueItem(p, k, i) for p, k, i in rows]

    def __iter__(self) -> Iterator[QueueItem]:
        """Every queued record, page by page."""
        after = None
        while True:
            items = self.page(after)
            yield from items
            if len(items) < self.page_size:
                return
            after = items[-1].key

    def ids(self, limit: int | None = None) -> list[str]:
        """The ids of the first ``limit`` queued records (all of them when None)."""
        out: list[str] = []
        for item in self:
            if limit is not None and len(out) >= limit:
                break
            out.append(item.record_id)
        return out

    def counts(self) -> QueueCounts:
        """Pending, approved and rejected records among those the filters select."""
        cond, params = self.filters.sql(with_state=False)
        found = queue_states(self.store, cond, params)
        return QueueCounts(
            found.get("pending", 0), found.get("approved", 0), found.get("rejected", 0)
        )

    def matches(self, state: str) -> bool:
        """Whether a record in this review state belongs in the queue."""
        if state == "edited":
            return False
        return self.filters.state in ("all", state)
