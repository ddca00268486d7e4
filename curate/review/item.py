"""One record as the review screen shows it: the record, its state, checks, cluster and history."""

from __future__ import annotations

from dataclasses import dataclass, field

from curate.errors import UsageError
from curate.records import Record
from curate.store import Store
from curate.store.review_item import (
    check_lines,
    cluster_of,
    cluster_preview,
    cluster_size,
    is_skipped,
    last_event,
    record_state,
)
from curate.store.runs import latest_run_id

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
    row = record_state(store, record_id)
    if row is None:
        raise UsageError(f"No record with id '{record_id}' in this workspace.")
    rid, data, state = row
    checks_run = latest_run_id(store.db, "checks")
    dedupe_run = latest_run_id(store.db, "dedupe")
    return ReviewItem(
        record=Record.model_validate_json(data),
        state=str(state),
        checks=None if checks_run is None else _checks(store, checks_run, rid),
        cluster=None if dedupe_run is None else _cluster(store, dedupe_run, rid),
        dedupe_ran=dedupe_run is not None,
        last=_last_event(store, rid),
        skipped=is_skipped(store, rid),
    )


def _checks(store: Store, run_id: int, rid: int) -> list[CheckLine]:
    return [CheckLine(str(c), bool(p), s, d) for c, p, s, d in check_lines(store, run_id, rid)]


def _cluster(store: Store, run_id: int, rid: int) -> ClusterInfo | None:
    row = cluster_of(store, run_id, rid)
    if row is None:
        return None
    cluster_id = str(row[0])
    members = cluster_preview(store, run_id, cluster_id, CLUSTER_PREVIEW)
    return ClusterInfo(
        cluster_id,
        bool(row[1]),
        row[2],
        cluster_size(store, run_id, cluster_id),
        [(str(i), bool(rep), sim) for i, rep, sim in members],
    )


def _last_event(store: Store, rid: int) -> LastEvent | None:
    row = last_event(store, rid)
    return None if row is None else LastEvent(*row)
