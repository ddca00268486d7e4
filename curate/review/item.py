"""One record as the review screen shows it: the record, its state, checks, cluster and history."""

from __future__ import annotations

from dataclasses import dataclass, field

from curate.errors import UsageError
from curate.records import Record
from curate.review.queue import latest_run_id
from curate.store import Store

CLUSTER_PREVIEW = 5


@dataclass(frozen=True)
class CheckLine:
    """One check result of the record in the latest check run."""

    code: str
    passed: bool
    score: float | None = None
    detail: str | None = None


@dataclass(frozen=True)
class ClusterInfo:
    """The record's duplicate cluster in the latest dedupe run."""

    cluster_id: str
    representative: bool
    similarity: float | None
    size: int
    members: list[tuple[str, bool, float | None]] = field(default_factory=list)


@dataclass(frozen=True)
class LastEvent:
    """The latest review event of the record."""

    action: str
    state_after: str
    reviewer: str
    at: str
    reason: str | None


@dataclass(frozen=True)
class ReviewItem:
    """Everything the review screen shows about one record.

    ``checks`` is None when no check run has finished; an empty list means the record was
    not part of the latest run. ``cluster`` is None when it is in no duplicate cluster.
    """

    record: Record
    state: str
    checks: list[CheckLine] | None
    cluster: ClusterInfo | None
    dedupe_ran: bool
    last: LastEvent | None
    skipped: bool = False

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def failed(self) -> list[CheckLine]:
        return [c for c in self.checks or [] if not c.passed]


def load_item(store: Store, record_id: str) -> ReviewItem:
    """Read one record and its annotations (a handful of indexed lookups)."""
    row = store.db.read_one(
        "SELECT r.rid, r.data, s.state FROM records r JOIN review_state s ON s.rid = r.rid"
        " WHERE r.id = ?",
        (record_id,),
    )
    if row is None:
        raise UsageError(f"No record with id '{record_id}' in this workspace.")
    rid, data, state = row
    checks_run = latest_run_id(store, "checks")
    dedupe_run = latest_run_id(store, "dedupe")
    return ReviewItem(
        record=Record.model_validate_json(data),
        state=str(state),
        checks=None if checks_run is None else _checks(store, checks_run, rid),
        cluster=None if dedupe_run is None else _cluster(store, dedupe_run, rid),
        dedupe_ran=dedupe_run is not None,
        last=_last_event(store, rid),
        skipped=_skipped(store, rid),
    )


def _checks(store: Store, run_id: int, rid: int) -> list[CheckLine]:
    rows = store.db.read(
        "SELECT check_code, passed, score, detail FROM check_results"
        " WHERE run_id = ? AND rid = ? ORDER BY passed, check_code",
        (run_id, rid),
    )
    return [CheckLine(str(c), bool(p), s, d) for c, p, s, d in rows]


def _cluster(store: Store, run_id: int, rid: int) -> ClusterInfo | None:
    row = store.db.read_one(
        "SELECT cluster_id, representative, similarity FROM dup_clusters"
        " WHERE run_id = ? AND rid = ?",
        (run_id, rid),
    )
    if row is None:
        return None
    cluster_id = str(row[0])
    size = store.db.read_one(
        "SELECT count(*) FROM dup_clusters WHERE run_id = ? AND cluster_id = ?",
        (run_id, cluster_id),
    )
    members = store.db.read(
        "SELECT r.id, d.representative, d.similarity FROM dup_clusters d"
        " JOIN records r ON r.rid = d.rid WHERE d.run_id = ? AND d.cluster_id = ?"
        " ORDER BY d.representative DESC, d.similarity DESC, d.rid LIMIT ?",
        (run_id, cluster_id, CLUSTER_PREVIEW),
    )
    return ClusterInfo(
        cluster_id,
        bool(row[1]),
        row[2],
        int(size[0]) if size else 0,
        [(str(i), bool(rep), sim) for i, rep, sim in members],
    )


def _last_event(store: Store, rid: int) -> LastEvent | None:
    row = store.db.read_one(
        "SELECT action, state_after, reviewer, at, reason FROM review_events"
        " WHERE rid = ? ORDER BY seq DESC LIMIT 1",
        (rid,),
    )
    return None if row is None else LastEvent(*row)


def _skipped(store: Store, rid: int) -> bool:
    row = store.db.read_one(
        "SELECT 1 FROM review_events e WHERE e.rid = ? AND e.action = 'skip'"
        " AND NOT EXISTS (SELECT 1 FROM review_events u WHERE u.undoes = e.seq) LIMIT 1",
        (rid,),
    )
    return row is not None
