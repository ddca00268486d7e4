"""Schema versions: a fresh store is at the latest version; older databases migrate."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import orjson
import pytest

from curate.records import Message, Provenance, Record
from curate.store import LATEST, Store
from curate.store.db import Database
from curate.store.migrations import MIGRATIONS, SchemaTooNew, migrate, schema_version


def tables(conn: sqlite3.Connection) -> set[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'index')")
    return {r[0] for r in rows}


def test_fresh_store_is_at_latest_version_with_pragmas(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    conn = store.db.conn
    assert schema_version(conn) == LATEST == MIGRATIONS[-1].version
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] > 0
    assert {"records", "review_events", "review_state", "occurrences", "rejects"} <= tables(conn)
    store.close()


def test_versions_are_consecutive_from_one() -> None:
    assert [m.version for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))


def test_a_version_1_database_migrates_and_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = Database(path)
    assert migrate(db, target=1) == 1
    assert "occurrences" not in tables(db.conn)
    rec = Record(
        messages=[Message(role="user", content="q"), Message(role="assistant", content="a")],
        tags={"category": "sql"},
        provenance=Provenance(source_file="old.jsonl", source_line=7),
    )
    with db.transaction() as conn:
        conn.execute(
            "INSERT INTO imports (path, origin, started_at, status) VALUES ('old.jsonl', 'real', 't', 'done')"
        )
        conn.execute(
            "INSERT INTO records (rid, id, kind, origin, source_file, source_line, created_at,"
            " import_id, data) VALUES (1, ?, 'sft', 'real', 'old.jsonl', 7, 't', 1, ?)",
            (rec.id, orjson.dumps(rec.model_dump(mode="json"))),
        )
        conn.execute("INSERT INTO record_tags VALUES (1, 'category', 'sql')")
        conn.execute("INSERT INTO review_state VALUES (1, 'pending', NULL)")
    db.close()

    store = Store(path)
    assert store.schema_version == LATEST
    assert store.get(rec.id) == rec
    assert store.occurrences(rec.id) == [("old.jsonl", 7)]  # backfilled by version 2
    assert store.count(["source=old.jsonl", "state=pending", "tag:category=sql"]) == 1
    assert {"review_state_state", "records_origin", "record_tags_key_value"} <= tables(
        store.db.conn
    )
    # the same rows read again are found, not added twice
    assert store.add_records([rec]) == (0, 1)
    store.close()


def test_a_version_2_import_log_migrates_with_zero_duplicates(tmp_path: Path) -> None:
    db = Database(tmp_path / "v2.db")
    assert migrate(db, target=2) == 2
    with db.transaction() as conn:
        conn.execute(
            "INSERT INTO imports (path, origin, started_at, status, read, added, existing)"
            " VALUES ('old.jsonl', 'real', 't', 'done', 10, 7, 3)"
        )
    db.close()
    store = Store(tmp_path / "v2.db")
    (row,) = store.imports()
    assert (row.read, row.added, row.duplicates, row.existing) == (10, 7, 0, 3)
    store.update_import(row.id, duplicates=2)
    assert store.imports()[0].duplicates == 2
    store.close()


def test_migrating_again_changes_nothing(tmp_path: Path) -> None:
    Store(tmp_path / "s.db").close()
    store = Store(tmp_path / "s.db")
    assert migrate(store.db) == LATEST
    store.close()


def test_a_newer_schema_is_refused_with_a_sentence(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "new.db")
    conn.execute(f"PRAGMA user_version = {LATEST + 5}")
    conn.close()
    with pytest.raises(SchemaTooNew, match="newer than this curate-ft knows"):
        Store(tmp_path / "new.db")


def test_a_failed_migration_leaves_the_previous_version(tmp_path: Path) -> None:
    db = Database(tmp_path / "s.db")
    migrate(db, target=1)
    db.conn.execute("CREATE TABLE occurrences (x)")  # makes version 2's CREATE TABLE fail
    with pytest.raises(sqlite3.OperationalError):
        migrate(db)
    assert schema_version(db.conn) == 1
    assert "review_state_state" not in tables(db.conn)
    db.close()


OPEN_SCRIPT = """
import sys, time
from curate.store import Store
time.sleep(float(sys.argv[2]))
s = Store(sys.argv[1])
print(s.schema_version)
"""


def test_processes_opening_a_new_store_at_once_migrate_it_once(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "shared.db"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN_SCRIPT, str(path), str(0.01 * i)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(4)
    ]
    results = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], [err for _, err in results]
    assert [out.strip() for out, _ in results] == [str(LATEST)] * 4
    store = Store(path)
    assert store.count() == 0
    store.close()
