"""Annotations keyed by record id: check results, duplicate clusters and split assignments.

Check results and clusters belong to a run (see ``runs``); the latest run of a kind that
finished counts, older runs stay as history. Records themselves are never touched.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import orjson

from curate.errors import UsageError
from curate.records import now_iso
from curate.store.db import Database
from curate.store.records import require_rids
from curate.store.runs import LATEST_RUN_ID

SPLITS = ("train", "validation", "test")


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check on one record."""

    record_id: str
    check_code: str
    passed: bool
    score: float | None = None
    detail: str | None = None


@dataclass(frozen=True)
class ClusterMember:
    """One record's place in a duplicate cluster."""

    record_id: str
    cluster_id: str
    representative: bool
    similarity: float | None = None


@dataclass(frozen=True)
class Run:
    """One annotation run."""

    id: int
    kind: str
    started_at: str
    finished_at: str | None
    status: str
    meta: dict[str, Any]


def _dumps(value: Any) -> str:
    return orjson.dumps(value, default=str).decode()


class AnnotationsMixin:
    """Runs and the annotations they write."""

    db: Database

    # runs ---------------------------------------------------------------------------
    def start_run(self, kind: str, meta: dict[str, Any] | None = None) -> int:
        """Open a run of ``kind`` (``checks``, ``dedupe``, ``split``) and return its id."""
        with self.db.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO runs (kind, started_at, meta) VALUES (?, ?, ?)",
                (kind, now_iso(), _dumps(meta or {})),
            )
            return int(cur.lastrowid or 0)

    def finish_run(
        self, run_id: int, summary: dict[str, Any] | None = None, status: str = "done"
    ) -> None:
        """Close a run; a ``done`` run becomes the current one of its kind."""
        with self.db.transaction() as conn:
            row = conn.execute("SELECT meta FROM runs WHERE id = ?", (run_id,)).fetchone()
            if row is None:
                raise UsageError(f"No run with id {run_id}.")
            meta = orjson.loads(row[0])
            if summary:
                meta["summary"] = summary
            conn.execute(
                "UPDATE runs SET finished_at = ?, status = ?, meta = ? WHERE id = ?",
                (now_iso(), status, _dumps(meta), run_id),
            )

    @contextmanager
    def run(self, kind: str, meta: dict[str, Any] | None = None) -> Iterator[int]:
        """``with store.run("checks") as run_id:`` marks the run done, or failed on error."""
        run_id = self.start_run(kind, meta)
        try:
            yield run_id
        except BaseException:
            self.finish_run(run_id, status="failed")
            raise
        self.finish_run(run_id)

    def latest_run(self, kind: str) -> Run | None:
        """The latest finished run of this kind."""
        row = self.db.read_one(
            "SELECT id, kind, started_at, finished_at, status, meta FROM runs"
            f" WHERE id = ({LATEST_RUN_ID})",
            (kind,),
        )
        if row is None:
            return None
        return Run(row[0], row[1], row[2], row[3], row[4], orjson.loads(row[5]))

    # checks -------------------------------------------------------------------------
    def put_check_results(self, run_id: int, results: Iterable[CheckResult]) -> int:
        """Store check results of a run (one transaction); returns how many were written."""
        results = list(results)
        with self.db.transaction() as conn:
            keys = require_rids(conn, list({r.record_id for r in results}))
            conn.executemany(
                "INSERT OR REPLACE INTO check_results"
                " (run_id, rid, check_code, passed, score, detail) VALUES (?,?,?,?,?,?)",
                [
                    (
                        run_id,
                        keys[r.record_id],
                        r.check_code,
                        int(bool(r.passed)),
                        r.score,
                        r.detail,
                    )
                    for r in results
                ],
            )
        return len(results)

    def check_failures(self, run_id: int | None = None) -> dict[str, int]:
        """Failed records per check code (the latest finished check run by default)."""
        run_id = self._run_or_latest(run_id, "checks")
        if run_id is None:
            return {}
        rows = self.db.read(
            "SELECT check_code, count(*) FROM check_results WHERE run_id = ? AND passed = 0"
            " GROUP BY 1 ORDER BY 2 DESC, 1",
            (run_id,),
        )
        return {code: int(n) for code, n in rows}

    def failed_checks(self, record_id: str, run_id: int | None = None) -> list[CheckResult]:
        """The checks this record failed (in the latest finished check run by default)."""
        run_id = self._run_or_latest(run_id, "checks")
        if run_id is None:
            return []
        rows = self.db.read(
            "SELECT r.id, c.check_code, c.passed, c.score, c.detail FROM check_results c"
            " JOIN records r ON r.rid = c.rid"
            " WHERE c.run_id = ? AND r.id = ? AND c.passed = 0 ORDER BY c.check_code",
            (run_id, record_id),
        )
        return [CheckResult(r[0], r[1], bool(r[2]), r[3], r[4]) for r in rows]

    def check_rows(self, run_id: int) -> list[tuple[str, str, float | None, str | None]]:
        """Every result of one run as ``(record id, check code, score, detail)``, by id."""
        rows = self.db.read(
            "SELECT r.id, c.check_code, c.score, c.detail FROM check_results c"
            " JOIN records r ON r.rid = c.rid WHERE c.run_id = ? ORDER BY r.id",
            (run_id,),
        )
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    # duplicates -----------------------------------------------------------------------
    def put_clusters(self, run_id: int, members: Iterable[ClusterMember]) -> int:
        """Store duplicate-cluster membership for a dedupe run (one transaction)."""
        members = list(members)
        with self.db.transaction() as conn:
            keys = require_rids(conn, list({m.record_id for m in members}))
            conn.executemany(
                "INSERT OR REPLACE INTO dup_clusters"
                " (run_id, rid, cluster_id, representative, similarity) VALUES (?,?,?,?,?)",
                [
                    (run_id, keys[m.record_id], m.cluster_id, int(bool(m.representative)))
                    + (m.similarity,)
                    for m in members
                ],
            )
        return len(members)

    def put_cluster_rows(
        self, run_id: int, rows: Iterable[tuple[int, str, int, float | None]]
    ) -> None:
        """Store a dedupe run's membership rows ``(rid, cluster id, representative,
        similarity)`` by row key as given (one transaction, no id lookups: callers that hold
        the row keys pass them in row-key order, the table's own order)."""
        with self.db.transaction() as conn:
            conn.executemany(
                "INSERT INTO dup_clusters (run_id, rid, cluster_id, representative, similarity)"
                " VALUES (?,?,?,?,?)",
                [(run_id, *row) for row in rows],
            )

    def clusters(self, run_id: int | None = None) -> dict[str, list[ClusterMember]]:
        """Cluster id -> members (representative first) of a dedupe run (latest by default)."""
        run_id = self._run_or_latest(run_id, "dedupe")
        if run_id is None:
            return {}
        out: dict[str, list[ClusterMember]] = {}
        for rid, cid, rep, sim in self.db.read(
            "SELECT r.id, d.cluster_id, d.representative, d.similarity FROM dup_clusters d"
            " JOIN records r ON r.rid = d.rid"
            " WHERE d.run_id = ? ORDER BY d.cluster_id, d.representative DESC, r.id",
            (run_id,),
        ):
            out.setdefault(cid, []).append(ClusterMember(rid, cid, bool(rep), sim))
        return out

    # splits -------------------------------------------------------------------------
    def put_splits(
        self,
        assignments: Iterable[tuple[str, str]],
        frozen: bool = False,
        run_id: int | None = None,
    ) -> tuple[int, int]:
        """Assign records to splits; frozen assignments are kept. Returns (assigned, kept)."""
        rows = list(assignments)
        bad = next((s for _, s in rows if s not in SPLITS), None)
        if bad is not None:
            raise UsageError(f"Unknown split '{bad}'.", f"Use one of: {', '.join(SPLITS)}.")
        at = now_iso()
        with self.db.transaction() as conn:
            keys = require_rids(conn, list({rid for rid, _ in rows}))
            before = conn.total_changes
            conn.executemany(
                "INSERT INTO splits (rid, split, frozen, assigned_at, run_id)"
                " VALUES (?,?,?,?,?) ON CONFLICT(rid) DO UPDATE SET"
                " split = excluded.split, frozen = excluded.frozen,"
                " assigned_at = excluded.assigned_at, run_id = excluded.run_id"
                " WHERE splits.frozen = 0",
                [(keys[rid], split, int(frozen), at, run_id) for rid, split in rows],
            )
            assigned = conn.total_changes - before
        return assigned, len(rows) - assigned

    def freeze_splits(self, split: str | None = None) -> int:
        """Freeze current assignments (of one split, or all) so they are never reassigned."""
        with self.db.transaction() as conn:
            if split is None:
                cur = conn.execute("UPDATE splits SET frozen = 1 WHERE frozen = 0")
            else:
                cur = conn.execute(
                    "UPDATE splits SET frozen = 1 WHERE frozen = 0 AND split = ?", (split,)
                )
            return cur.rowcount

    def splits(self) -> dict[str, str]:
        """Record id -> split for every assigned record."""
        rows = self.db.read("SELECT r.id, p.split FROM splits p JOIN records r ON r.rid = p.rid")
        return {record_id: split for record_id, split in rows}

    def _run_or_latest(self, run_id: int | None, kind: str) -> int | None:
        if run_id is not None:
            return run_id
        run = self.latest_run(kind)
        return run.id if run else None
