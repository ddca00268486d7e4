"""Storing and reading records: content-addressed rows that are never changed or deleted."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import Any, NamedTuple

from curate.errors import UsageError
from curate.records import Record, now_iso
from curate.store.db import Database
from curate.store.query import Where, where_sql

CHUNK = 500  # ids per "IN (...)" lookup


def record_blob(record: Record) -> bytes:
    """The stored form of a record (orjson bytes, nulls left out)."""
    return record.model_dump_json(exclude_none=True).encode()


def search_text(record: Record) -> str:
    """The text of every turn, one per line: what `text=` filters and search look at."""
    parts = [m.content for m in record.messages if m.content]
    for side in (record.chosen, record.rejected):
        if side:
            parts.extend(m.content for m in side if m.content)
    return "\n".join(parts)


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def rids(conn: sqlite3.Connection, ids: Sequence[str]) -> dict[str, int]:
    """The internal row keys of the stored records among ``ids``."""
    found: dict[str, int] = {}
    for part in chunks(list(ids)):
        marks = ",".join("?" * len(part))
        rows = conn.execute(f"SELECT id, rid FROM records WHERE id IN ({marks})", list(part))
        found.update((rid_id, rid) for rid_id, rid in rows)
    return found


def stored_by(conn: sqlite3.Connection, ids: Sequence[str]) -> dict[str, tuple[int, int | None]]:
    """The row key and the import that first stored each stored record among ``ids``."""
    found: dict[str, tuple[int, int | None]] = {}
    for part in chunks(list(ids)):
        marks = ",".join("?" * len(part))
        rows = conn.execute(
            f"SELECT id, rid, import_id FROM records WHERE id IN ({marks})", list(part)
        )
        found.update((rid_id, (rid, imp)) for rid_id, rid, imp in rows)
    return found


class Added(NamedTuple):
    """What storing a batch did: new records, rows identical to a row read earlier in the
    same import run, and rows whose record was stored before it."""

    added: int
    duplicates: int
    existing: int


def require_rids(conn: sqlite3.Connection, ids: Sequence[str]) -> dict[str, int]:
    """Like :func:`rids`, but an id that is not stored is a UsageError."""
    found = rids(conn, ids)
    missing = [i for i in ids if i not in found]
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise UsageError(f"No record with id '{missing[0]}' in this workspace{more}.")
    return found


def record_row(rid: int, record: Record, import_id: int | None, at: str) -> tuple:
    """The ``records`` row for a record (see :data:`INSERT_RECORD`)."""
    prov = record.provenance
    return (
        rid,
        record.id,
        record.kind,
        prov.origin,
        prov.source_file,
        prov.source_line,
        prov.imported_at or prov.created_at or at,
        record.parent_id,
        import_id,
        record_blob(record),
        search_text(record),
    )


INSERT_RECORD = (
    "INSERT INTO records (rid, id, kind, origin, source_file, source_line, created_at,"
    " parent_id, import_id, data, search) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
)


def next_rid(conn: sqlite3.Connection) -> int:
    """The next free row key (call inside the write transaction)."""
    return int(conn.execute("SELECT coalesce(max(rid), 0) + 1 FROM records").fetchone()[0])


class RecordsMixin:
    """Record rows, their tags, their source occurrences and their initial review state."""

    db: Database

    def add_records(
        self, records: Iterable[Record], import_id: int | None = None
    ) -> tuple[int, int]:
        """Store records in one transaction; returns ``(added, existing)``.

        A record whose id is already stored (here or earlier in the batch) counts as
        existing and is not changed; its source row is still noted as an occurrence.
        """
        added, duplicates, existing = self.import_records(records, import_id)
        return added, duplicates + existing

    def import_records(
        self,
        records: Iterable[Record],
        import_id: int | None = None,
        same_run: Collection[int] = (),
    ) -> Added:
        """Store records in one transaction, telling in-run duplicates from existing records.

        A row whose record was first stored by ``import_id`` or by an import in ``same_run``
        (earlier files of the same command) is a duplicate row of the files read; a row whose
        record was stored before is ``existing``. Neither changes the stored record; both
        are noted as occurrences of it.
        """
        batch = list(records)
        if not batch:
            return Added(0, 0, 0)
        run = {*same_run, import_id} - {None}
        now = now_iso()
        duplicates = 0
        with self.db.transaction() as conn:
            known = stored_by(conn, list({r.id for r in batch}))
            rid = next_rid(conn)
            new: list[tuple[int, Record]] = []
            for r in batch:
                if r.id not in known:
                    known[r.id] = (rid, import_id)
                    new.append((rid, r))
                    rid += 1
                elif known[r.id][1] in run:
                    duplicates += 1
            conn.executemany(INSERT_RECORD, [record_row(k, r, import_id, now) for k, r in new])
            conn.executemany(
                "INSERT INTO record_tags (rid, key, value) VALUES (?,?,?)",
                [(k, key, str(v)) for k, r in new for key, v in r.tags.items()],
            )
            conn.executemany(
                "INSERT INTO review_state (rid, state, seq) VALUES (?, 'pending', NULL)",
                [(k,) for k, _ in new],
            )
            conn.executemany(
                "INSERT OR IGNORE INTO occurrences (source_file, source_line, rid, import_id)"
                " VALUES (?,?,?,?)",
                [
                    (r.provenance.source_file, r.provenance.source_line, known[r.id][0], import_id)
                    for r in batch
                    if r.provenance.source_file is not None and r.provenance.source_line is not None
                ],
            )
        return Added(len(new), duplicates, len(batch) - len(new) - duplicates)

    def get(self, record_id: str) -> Record:
        """The record with this id; a UsageError when there is none."""
        row = self.db.read_one("SELECT data FROM records WHERE id = ?", (record_id,))
        if row is None:
            raise UsageError(f"No record with id '{record_id}' in this workspace.")
        return Record.model_validate_json(row[0])

    def get_many(self, ids: Sequence[str]) -> dict[str, Record]:
        """Records by id (ids that are not stored are left out)."""
        found: dict[str, Record] = {}
        for part in chunks(list(ids)):
            marks = ",".join("?" * len(part))
            for rid, data in self.db.read(
                f"SELECT id, data FROM records WHERE id IN ({marks})", list(part)
            ):
                found[rid] = Record.model_validate_json(data)
        return found

    def has(self, record_id: str) -> bool:
        return self.db.read_one("SELECT 1 FROM records WHERE id = ?", (record_id,)) is not None

    def iter_records(
        self, where: Iterable[Where | str] | Where | str | None = None, batch: int = 1000
    ) -> Iterator[Record]:
        """Stream matching records in insertion order, ``batch`` rows per query.

        Pages by row key, so no read transaction stays open between pages and the caller
        may write to the store while iterating.
        """
        for rows in self._pages("r.data", where, batch):
            for row in rows:
                yield Record.model_validate_json(row[1])

    def iter_ids(
        self, where: Iterable[Where | str] | Where | str | None = None, batch: int = 5000
    ) -> Iterator[str]:
        """Stream the ids of matching records in insertion order."""
        for rows in self._pages("r.id", where, batch):
            for row in rows:
                yield row[1]

    def select_ids(self, where: Iterable[Where | str] | Where | str | None = None) -> list[str]:
        """All ids of matching records, in insertion order (one query)."""
        cond, params = where_sql(where)
        sql = f"SELECT r.id FROM records r WHERE {cond} ORDER BY r.rid"
        return [row[0] for row in self.db.read(sql, params)]

    def stored_pages(
        self, where: Iterable[Where | str] | Where | str | None = None, batch: int = 1000
    ) -> Iterator[list[Any]]:
        """Matching records' ``(rid, id, kind, stored JSON)`` rows in insertion order, ``batch``
        rows per query (paged by row key, as :meth:`iter_records`), without parsing them."""
        return self._pages("r.id, r.kind, r.data", where, batch)

    def stored_by_rid(self, rids: Sequence[int]) -> dict[int, bytes]:
        """Row key -> stored JSON of the records with these row keys (no parsing)."""
        found: dict[int, bytes] = {}
        for part in chunks(list(rids)):
            marks = ",".join("?" * len(part))
            found.update(self.db.read(f"SELECT rid, data FROM records WHERE rid IN ({marks})", part))
        return found

    def _pages(
        self, column: str, where: Iterable[Where | str] | Where | str | None, batch: int
    ) -> Iterator[list[Any]]:
        cond, params = where_sql(where)
        last = 0
        sql = f"SELECT r.rid, {column} FROM records r WHERE r.rid > ? AND {cond} ORDER BY r.rid LIMIT ?"
        while True:
            rows = self.db.read(sql, [last, *params, batch])
            if not rows:
                return
            last = rows[-1][0]
            yield rows

    def count(self, where: Iterable[Where | str] | Where | str | None = None) -> int:
        """How many records match."""
        cond, params = where_sql(where)
        row = self.db.read_one(f"SELECT count(*) FROM records r WHERE {cond}", params)
        return int(row[0]) if row else 0

    def count_by(
        self, field: str, where: Iterable[Where | str] | Where | str | None = None
    ) -> dict[str, int]:
        """Counts of matching records grouped by ``kind``, ``origin``, ``state``,
        ``source``, ``split`` or ``tag:KEY`` (most frequent first)."""
        cond, params = where_sql(where)
        base = f"FROM records r WHERE {cond}"
        if field in ("kind", "origin"):
            sql = f"SELECT r.{field}, count(*) {base} GROUP BY 1"
        elif field == "state":
            sql = f"SELECT s.state, count(*) FROM records r JOIN review_state s ON s.rid = r.rid WHERE {cond} GROUP BY 1"
        elif field == "source":
            sql = f"SELECT coalesce(r.source_file, '(none)'), count(*) {base} GROUP BY 1"
        elif field == "split":
            sql = f"SELECT coalesce(p.split, '(none)'), count(*) FROM records r LEFT JOIN splits p ON p.rid = r.rid WHERE {cond} GROUP BY 1"
        elif field.startswith("tag:") and field[4:]:
            sql = f"SELECT t.value, count(*) FROM records r JOIN record_tags t ON t.rid = r.rid AND t.key = ? WHERE {cond} GROUP BY 1"
            params = [field[4:], *params]
        else:
            raise UsageError(
                f"Cannot count by '{field}'.", "Use kind, origin, state, source, split or tag:KEY."
            )
        counts = Counter({str(k): int(n) for k, n in self.db.read(sql, params)})
        return dict(counts.most_common())

    def children(self, record_id: str) -> list[str]:
        """Ids of the versions edited from this record."""
        rows = self.db.read("SELECT id FROM records WHERE parent_id = ? ORDER BY rid", (record_id,))
        return [r[0] for r in rows]

    def occurrences(self, record_id: str) -> list[tuple[str, int]]:
        """Every (source file, line) this record was read from."""
        rows = self.db.read(
            "SELECT o.source_file, o.source_line FROM occurrences o JOIN records r ON r.rid = o.rid"
            " WHERE r.id = ? ORDER BY 1, 2",
            (record_id,),
        )
        return [(r[0], int(r[1])) for r in rows]
