"""The decision log for audits: every review event, oldest first, as JSON lines."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import orjson

from curate.store import Store
from curate.store.review_log import decision_page

FIELDS = (
    "seq",
    "batch",
    "record_id",
    "action",
    "state_before",
    "state_after",
    "reason",
    "reviewer",
    "at",
    "undoes",
    "version_id",
    "session",
    "session_kind",
    "command",
)


def iter_decisions(store: Store, batch: int = 5_000) -> Iterator[dict[str, Any]]:
    """Every review event (approve, reject, skip, edit, undo) in order, ``batch`` per query.

    ``undoes`` is the ``seq`` of the event an undo reverted; ``version_id`` the record an
    edit made; ``session``, ``session_kind`` (cli, tui, api) and ``command`` say which command
    or review screen session recorded it (null for events logged before sessions). Pages by ``seq``, so no read transaction stays open while the caller writes.
    """
    last = 0
    while True:
        rows = decision_page(store, last, batch)
        for row in rows:
            yield dict(zip(FIELDS, row, strict=True))
        if len(rows) < batch:
            return
        last = rows[-1][0]


def write_decisions(store: Store, out: IO[bytes]) -> int:
    """Write the decision log to a binary stream as JSON lines; returns the number of events."""
    n = 0
    for event in iter_decisions(store):
        out.write(orjson.dumps(event) + b"\n")
        n += 1
    return n
