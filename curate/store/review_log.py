"""The decision log read back for audits: every review event, oldest first, page by page."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from curate.store import Store


def decision_page(store: Store, after: int, limit: int) -> list[tuple]:
    """The next ``limit`` review events after sequence number ``after``, as ``(seq, batch,
    record id, action, state before, state after, reason, reviewer, time, undone seq,
    version id, session, session kind, command)``."""
    return store.db.read(
        "SELECT e.seq, e.batch, r.id, e.action, e.state_before, e.state_after, e.reason,"
        " e.reviewer, e.at, e.undoes, v.id, e.session, s.kind, s.command FROM review_events e"
        " JOIN records r ON r.rid = e.rid LEFT JOIN records v ON v.rid = e.version_rid"
        " LEFT JOIN review_sessions s ON s.id = e.session"
        " WHERE e.seq > ? ORDER BY e.seq LIMIT ?",
        (after, limit),
    )
