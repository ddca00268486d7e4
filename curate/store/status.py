"""The workspace at a glance: counts by kind, origin, review state, tags, checks, rejects."""

from __future__ import annotations

from typing import Any

from curate.store.db import Database
from curate.store.migrations import STATES
from curate.store.usable import usable_by_origin
from curate.synthetic_share import over_limit, share

TOP_TAG_VALUES = 50


class StatusMixin:
    """``Store.status()``: one dict, cheap enough to compute on every call."""

    db: Database

    def _grouped(self, sql: str, params: tuple = ()) -> dict[str, int]:
        return {str(k): int(n) for k, n in self.db.read(sql, params)}

    def status(self, max_synthetic_share: float | None = None) -> dict[str, Any]:
        """Counts for `curate status`.

        ``records`` counts every stored version; ``by_kind``, ``by_origin`` and
        ``by_review_state`` each add up to it. ``imports.identical_rows`` counts the source
        rows that were read but collapsed into an identical record another row had made. ``synthetic_share`` is the synthetic share of
        the records that can still be exported (pending or approved).
        """
        read = self._grouped
        records = int(self.db.read_one("SELECT count(*) FROM records")[0])
        states = dict.fromkeys(STATES, 0)
        states.update(read("SELECT state, count(*) FROM review_state GROUP BY 1"))
        usable = usable_by_origin(self.db)
        synthetic, usable_total = usable.get("synthetic", 0), sum(usable.values())
        out: dict[str, Any] = {
            "records": records,
            "by_kind": read("SELECT kind, count(*) FROM records GROUP BY 1 ORDER BY 2 DESC"),
            "by_origin": {"real": 0, "synthetic": 0}
            | read("SELECT origin, count(*) FROM records GROUP BY 1"),
            "by_review_state": states,
            "synthetic_share": round(share(synthetic, usable_total), 4),
            "max_synthetic_share": max_synthetic_share,
            "synthetic_over_limit": (
                None
                if max_synthetic_share is None
                else over_limit(synthetic, usable_total, max_synthetic_share)
            ),
            "rejects": self._reject_summary(),
            "tags": self._tag_summary(),
            "checks": self._check_summary(),
            "duplicates": self._duplicate_summary(),
            "splits": read("SELECT split, count(*) FROM splits GROUP BY 1 ORDER BY 1"),
            "imports": self._import_summary(),
        }
        return out

    def _reject_summary(self) -> dict[str, Any]:
        by_code = self._grouped("SELECT code, count(*) FROM rejects GROUP BY 1 ORDER BY 2 DESC, 1")
        by_source = self._grouped(
            "SELECT source, count(*) FROM rejects GROUP BY 1 ORDER BY 2 DESC, 1"
        )
        return {"total": sum(by_code.values()), "by_code": by_code, "by_source": by_source}

    def _tag_summary(self) -> dict[str, dict[str, int]]:
        tags: dict[str, dict[str, int]] = {}
        for key, value, n in self.db.read(
            "SELECT key, value, count(*) FROM record_tags GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2"
        ):
            values = tags.setdefault(key, {})
            if len(values) < TOP_TAG_VALUES:
                values[value] = int(n)
            else:
                values["(other)"] = values.get("(other)", 0) + int(n)
        return tags

    def _check_summary(self) -> dict[str, Any]:
        row = self.db.read_one(
            "SELECT id, finished_at FROM runs WHERE kind = 'checks' AND status = 'done'"
            " ORDER BY id DESC LIMIT 1"
        )
        if row is None:
            return {
                "run_id": None,
                "finished_at": None,
                "records_checked": 0,
                "records_failing": 0,
                "failed": {},
            }
        run_id = int(row[0])
        checked, failing = self.db.read_one(
            "SELECT count(DISTINCT rid), count(DISTINCT CASE WHEN passed = 0 THEN rid END)"
            " FROM check_results WHERE run_id = ?",
            (run_id,),
        )
        failed = self._grouped(
            "SELECT check_code, count(*) FROM check_results WHERE run_id = ? AND passed = 0"
            " GROUP BY 1 ORDER BY 2 DESC, 1",
            (run_id,),
        )
        return {
            "run_id": run_id,
            "finished_at": row[1],
            "records_checked": int(checked),
            "records_failing": int(failing),
            "failed": failed,
        }

    def _duplicate_summary(self) -> dict[str, Any]:
        row = self.db.read_one(
            "SELECT id FROM runs WHERE kind = 'dedupe' AND status = 'done' ORDER BY id DESC LIMIT 1"
        )
        if row is None:
            return {"run_id": None, "clusters": 0, "duplicate_records": 0}
        clusters, dupes = self.db.read_one(
            "SELECT count(DISTINCT cluster_id), coalesce(sum(representative = 0), 0)"
            " FROM dup_clusters WHERE run_id = ?",
            (row[0],),
        )
        return {"run_id": int(row[0]), "clusters": int(clusters), "duplicate_records": int(dupes)}

    def _import_summary(self) -> dict[str, Any]:
        by_status = self._grouped("SELECT status, count(*) FROM imports GROUP BY 1")
        # A file whose last import did not finish was interrupted (until a re-run completes it).
        unfinished = self.db.read_one(
            "SELECT count(*) FROM imports i WHERE i.id = (SELECT max(id) FROM imports j"
            " WHERE j.path = i.path) AND i.status != 'done'"
        )
        return {
            "files": int(self.db.read_one("SELECT count(DISTINCT path) FROM imports")[0]),
            "runs": sum(by_status.values()),
            "unfinished": int(unfinished[0]) if unfinished else 0,
            "identical_rows": self.identical_rows(),
        }

    def identical_rows(self) -> int:
        """Source rows (file, line) read into a record another source row had already made:
        exact duplicate rows, stored once as occurrences of one record (in-file duplicates
        and rows repeated across files; reading the same file again adds none)."""
        row = self.db.read_one("SELECT count(*) - count(DISTINCT rid) FROM occurrences")
        return int(row[0]) if row else 0
