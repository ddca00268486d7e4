"""Rejected input rows and the import log: what was read, from where, and what became of it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from curate.records import Reject, now_iso
from curate.store.db import Database


@dataclass(frozen=True)
class ImportRow:
    """One entry of the import log."""

    id: int
    path: str
    sha256: str | None
    format: str | None
    origin: str
    started_at: str
    finished_at: str | None
    read: int
    added: int
    existing: int
    rejected: int
    status: str
    # rows identical to a row read earlier in the same import (counted under ``existing``
    # by imports logged before store schema 3)
    duplicates: int = 0


IMPORT_COLUMNS = (
    "id, path, sha256, format, origin, started_at, finished_at, read, added, existing,"
    " rejected, status, duplicates"
)
COUNTERS = ("read", "added", "duplicates", "existing", "rejected")


class RejectsMixin:
    """Rejects (unique per source and line) and the import log."""

    db: Database

    def add_rejects(self, rejects: Iterable[Reject], import_id: int | None = None) -> int:
        """Store rejects in one transaction; a (source, line) already stored is not repeated.

        Returns how many were new.
        """
        rows = [(r.source, r.line, r.code, r.message, r.raw, import_id) for r in rejects]
        if not rows:
            return 0
        with self.db.transaction() as conn:
            before = conn.total_changes
            conn.executemany(
                "INSERT OR IGNORE INTO rejects (source, line, code, message, raw, import_id)"
                " VALUES (?,?,?,?,?,?)",
                rows,
            )
            return conn.total_changes - before

    def iter_rejects(self, source: str | None = None, code: str | None = None) -> Iterator[Reject]:
        """Stored rejects in the order they were stored, optionally of one source or code."""
        sql, params = "SELECT source, line, code, message, raw FROM rejects WHERE 1", []
        if source is not None:
            sql += " AND source = ?"
            params.append(source)
        if code is not None:
            sql += " AND code = ?"
            params.append(code)
        for row in self.db.read(sql + " ORDER BY id", params):
            yield Reject(source=row[0], line=row[1], code=row[2], message=row[3], raw=row[4])

    def reject_counts(self) -> dict[str, int]:
        """Rejects per reason code, most frequent first."""
        rows = self.db.read("SELECT code, count(*) FROM rejects GROUP BY 1 ORDER BY 2 DESC, 1")
        return {code: int(n) for code, n in rows}

    # the import log -------------------------------------------------------------------
    def start_import(
        self,
        path: str,
        origin: str,
        sha256: str | None = None,
        fmt: str | None = None,
        tags: dict[str, str] | None = None,
    ) -> int:
        """Log the start of an import and return its id."""
        with self.db.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO imports (path, sha256, format, origin, tags, started_at)"
                " VALUES (?,?,?,?,?,?)",
                (path, sha256, fmt, origin, orjson.dumps(tags or {}).decode(), now_iso()),
            )
            return int(cur.lastrowid or 0)

    def update_import(self, import_id: int, **fields: Any) -> None:
        """Add to an import's counters (read, added, duplicates, existing, rejected) or set its
        format, status or finish time. Call inside the batch's transaction so counts and rows
        agree."""
        counters = {k: v for k, v in fields.items() if k in COUNTERS}
        plain = {k: v for k, v in fields.items() if k in ("format", "status", "finished_at")}
        unknown = set(fields) - set(counters) - set(plain)
        if unknown:
            raise ValueError(f"unknown import fields: {sorted(unknown)}")
        sets = [f"{k} = {k} + ?" for k in counters] + [f"{k} = ?" for k in plain]
        if not sets:
            return
        with self.db.transaction() as conn:
            conn.execute(
                f"UPDATE imports SET {', '.join(sets)} WHERE id = ?",
                [*counters.values(), *plain.values(), import_id],
            )

    def finish_import(self, import_id: int, status: str = "done") -> None:
        """Mark an import done (or failed)."""
        self.update_import(import_id, status=status, finished_at=now_iso())

    def imports(self, limit: int | None = None) -> list[ImportRow]:
        """The import log, newest first."""
        sql = f"SELECT {IMPORT_COLUMNS} FROM imports ORDER BY id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [ImportRow(*row) for row in self.db.read(sql)]

    def get_import(self, import_id: int) -> ImportRow | None:
        row = self.db.read_one(f"SELECT {IMPORT_COLUMNS} FROM imports WHERE id = ?", (import_id,))
        return ImportRow(*row) if row else None
