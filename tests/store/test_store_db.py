"""Write transactions: commit, roll back, savepoints, and waiting out another writer."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from curate.store import db as dbmod
from curate.store.db import Database, StoreBusy, is_busy, retry_busy


@pytest.fixture
def database(tmp_path: Path):
    d = Database(tmp_path / "t.db")
    d.conn.execute("CREATE TABLE t (x INTEGER)")
    yield d
    d.close()


def rows(d: Database) -> list[int]:
    return [r[0] for r in d.read("SELECT x FROM t ORDER BY x")]


def test_commit_and_rollback(database: Database) -> None:
    with database.transaction() as conn:
        conn.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(RuntimeError), database.transaction() as conn:
        conn.execute("INSERT INTO t VALUES (2)")
        raise RuntimeError("boom")
    assert rows(database) == [1]
    assert not database.in_transaction


def test_a_nested_transaction_joins_the_outer_one(database: Database) -> None:
    with database.transaction() as conn:
        conn.execute("INSERT INTO t VALUES (1)")
        with database.transaction() as inner:
            inner.execute("INSERT INTO t VALUES (2)")
        assert database.in_transaction  # the inner block did not commit
    assert rows(database) == [1, 2]
    with pytest.raises(ValueError), database.transaction() as conn:
        conn.execute("INSERT INTO t VALUES (3)")
        with database.transaction() as inner:
            inner.execute("INSERT INTO t VALUES (4)")
            raise ValueError
    assert rows(database) == [1, 2]  # an error inside rolls back the whole transaction
    assert not database.in_transaction


def test_is_busy_tells_lock_errors_apart() -> None:
    assert is_busy(sqlite3.OperationalError("database is locked"))
    assert is_busy(sqlite3.OperationalError("database is busy"))
    assert not is_busy(sqlite3.OperationalError("no such table: t"))
    assert not is_busy(ValueError("database is locked"))


def test_retry_busy_retries_then_gives_one_sentence() -> None:
    calls = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 4:
            raise sqlite3.OperationalError("database is locked")
        return "ok"

    assert retry_busy(flaky) == "ok" and len(calls) == 4

    def locked() -> None:
        raise sqlite3.OperationalError("database is locked")

    with pytest.raises(StoreBusy, match="stayed locked by another process"):
        retry_busy(locked, budget=0.05)
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        retry_busy(lambda: sqlite3.connect(":memory:").execute("SELECT * FROM nope"))


def test_a_writer_waits_for_another_connection_longer_than_busy_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dbmod, "BUSY_TIMEOUT_MS", 20)  # force the retry loop, not SQLite's wait
    first = Database(tmp_path / "t.db")
    first.conn.execute("CREATE TABLE t (x INTEGER)")
    second = Database(tmp_path / "t.db")
    held = threading.Event()

    def hold_lock() -> None:
        with first.transaction() as conn:
            conn.execute("INSERT INTO t VALUES (1)")
            held.set()
            time.sleep(0.4)

    worker = threading.Thread(target=hold_lock)
    worker.start()
    held.wait()
    start = time.monotonic()
    with second.transaction() as conn:  # must wait, not raise "database is locked"
        conn.execute("INSERT INTO t VALUES (2)")
    waited = time.monotonic() - start
    worker.join()
    assert waited > 0.2
    assert rows(second) == [1, 2]
    first.close()
    second.close()


def test_readers_are_not_blocked_by_a_writer(tmp_path: Path) -> None:
    writer = Database(tmp_path / "t.db")
    writer.conn.execute("CREATE TABLE t (x INTEGER)")
    writer.conn.execute("INSERT INTO t VALUES (1)")
    reader = Database(tmp_path / "t.db")
    with writer.transaction() as conn:
        conn.execute("INSERT INTO t VALUES (2)")
        assert rows(reader) == [1]  # WAL: the reader sees the last commit at once
    assert rows(reader) == [1, 2]
    writer.close()
    reader.close()
