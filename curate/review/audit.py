"""The decision log for audits: every review event, oldest first, as JSON lines."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import orjson

from curate.store import Store

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
        rows = store.db.read(
            "SELECT e.seq, e.batch, r.id, e.action, e.state_before, e.state_after, e.reason,"
            " e.reviewer, e.at, e.undoes, v.id, e.session, s.kind, s.command FROM review_events e"
            " JOIN records r ON r.rid = e.rid LEFT JOIN records v ON v.rid = e.version_rid"
            " LEFT JOIN review_sessions s ON s.id = e.session"
            " WHERE e.seq > ? ORDER BY e.seq LIMIT ?",
            (last, batch),
        )
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
