"""The review screen's reads about one record: its state, checks, cluster and last events."""

from __future__ import annotations

from typing import TYPE_CHECKING

from curate.store.review_queue import LIVE_SKIP

if TYPE_CHECKING:
    from curate.store import Store


def record_state(store: Store, record_id: str) -> tuple[int, bytes, str] | None:
    """``(rid, stored JSON, review state)`` of the record with this id (None: not stored)."""
    row = store.db.read_one(
        "SELECT r.rid, r.data, s.state FROM records r JOIN review_state s ON s.rid = r.rid"
        " WHERE r.id = ?",
        (record_id,),
    )
    return None if row is None else (row[0], row[1], row[2])


def check_lines(
    store: Store, run_id: int, rid: int
) -> list[tuple[str, int, float | None, str | None]]:
    """``(code, passed, score, detail)`` of the record in check run ``run_id``, failed first."""
    rows = store.db.read(
        "SELECT check_code, passed, score, detail FROM check_results"
        " WHERE run_id = ? AND rid = ? ORDER BY passed, check_code",
        (run_id, rid),
    )
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def cluster_of(store: Store, run_id: int, rid: int) -> tuple[str, int, float | None] | None:
    """``(cluster id, representative, similarity)`` of the record in dedupe run ``run_id``."""
    row = store.db.read_one(
        "SELECT cluster_id, representative, similarity FROM dup_clusters"
        " WHERE run_id = ? AND rid = ?",
        (run_id, rid),
    )
    return None if row is None else (row[0], row[1], row[2])


def cluster_size(store: Store, run_id: int, cluster_id: str) -> int:
    """How many records cluster ``cluster_id`` of dedupe run ``run_id`` holds."""
    row = store.db.read_one(
        "SELECT count(*) FROM dup_clusters WHERE run_id = ? AND cluster_id = ?",
        (run_id, cluster_id),
    )
    return int(row[0]) if row else 0


def cluster_preview(
    store: Store, run_id: int, cluster_id: str, limit: int
) -> list[tuple[str, int, float | None]]:
    """``(id, representative, similarity)`` of the first ``limit`` members of a cluster:
    the representative first, then the most similar."""
    rows = store.db.read(
        "SELECT r.id, d.representative, d.similarity FROM dup_clusters d"
        " JOIN records r ON r.rid = d.rid WHERE d.run_id = ? AND d.cluster_id = ?"
        " ORDER BY d.representative DESC, d.similarity DESC, d.rid LIMIT ?",
        (run_id, cluster_id, limit),
    )
    return [(r[0], r[1], r[2]) for r in rows]


def last_event(store: Store, rid: int) -> tuple[str, str, str, str, str | None] | None:
    """``(action, state after, reviewer, time, reason)`` of the record's latest review event."""
    row = store.db.read_one(
        "SELECT action, state_after, reviewer, at, reason FROM review_events"
        " WHERE rid = ? ORDER BY seq DESC LIMIT 1",
        (rid,),
    )
    return None if row is None else (row[0], row[1], row[2], row[3], row[4])


def is_skipped(store: Store, rid: int) -> bool:
    """Whether the record has a skip that no undo reverted."""
    row = store.db.read_one(
        f"SELECT 1 FROM review_events e WHERE e.rid = ? AND {LIVE_SKIP} LIMIT 1", (rid,)
    )
    return row is not None
