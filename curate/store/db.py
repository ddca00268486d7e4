"""SQLite connections for the workspace store: WAL, durable commits, retried write locks.

Settings and why:

- ``journal_mode=WAL``: readers never block the writer and the writer never blocks readers,
  so the review screen keeps reading while an import writes.
- ``synchronous=FULL``: every commit is on disk before it returns, so a review decision
  survives a power cut, not only a killed process. Writes are batched (an import commits
  thousands of rows per transaction; a decision is one small transaction), so the extra
  fsync per commit costs little. ``NORMAL`` would also keep the database consistent, but
  the last commits could be lost on power failure.
- ``busy_timeout``: SQLite waits for a lock itself before reporting "database is locked".
- ``foreign_keys=ON``: annotations cannot point at records that do not exist.

Writes go through :meth:`Database.transaction`, which takes the write lock up front with
``BEGIN IMMEDIATE`` (so a transaction never fails half-way because another process started
writing) and retries with backoff while another process holds it. A lock that outlasts
the whole retry budget becomes a :class:`StoreBusy` error with one sentence, never a
raw ``sqlite3.OperationalError``.
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from curate.errors import CurateError

T = TypeVar("T")

BUSY_TIMEOUT_MS = 2_000
PAGE_SIZE = 16_384
RETRY_BUDGET_S = 120.0
SYNCHRONOUS = "FULL"


class StoreBusy(CurateError):
    """Another process held the workspace database for longer than the retry budget."""

    def __init__(self, waited: float) -> None:
        super().__init__(
            f"The workspace database stayed locked by another process for {waited:.0f} s.",
            "Let the other curate command finish, then run this one again.",
        )


def is_busy(exc: BaseException) -> bool:
    """True for SQLite's "database is locked" / "database is busy" errors."""
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None and code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return True
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def retry_busy(fn: Callable[[], T], budget: float = RETRY_BUDGET_S) -> T:
    """Call ``fn`` until it does not fail with a busy/locked error (backoff with jitter)."""
    start = time.monotonic()
    delay = 0.01
    while True:
        try:
            return fn()
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise
            waited = time.monotonic() - start
            if waited >= budget:
                raise StoreBusy(waited) from None
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 0.5)


def connect(path: Path | str) -> sqlite3.Connection:
    """Open the database with the store's pragmas (autocommit; transactions are explicit)."""
    conn = sqlite3.connect(
        str(path), isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
    )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # takes effect only in a new database
    retry_busy(lambda: conn.execute("PRAGMA journal_mode = WAL").fetchone())
    conn.execute(f"PRAGMA synchronous = {SYNCHRONOUS}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA cache_size = -65536")
    return conn


class Database:
    """One connection plus a re-entrant write transaction.

    A ``transaction()`` opened inside another joins it: a store method that opens its own
    transaction also works inside a caller's larger one (an import batch), and an error
    anywhere rolls the whole transaction back when it leaves the outer block. (Savepoints
    would allow partial rollback, but SQLite's savepoint journal makes large batches slower
    and, kept in memory, grows the process.)
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.conn = connect(self.path)
        self._lock = threading.RLock()
        self._depth = 0

    def close(self) -> None:
        """Close the connection (uncommitted work is rolled back)."""
        with self._lock:
            self.conn.close()

    @property
    def in_transaction(self) -> bool:
        return self._depth > 0

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: commit on success, roll back on any exception."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self.conn
                finally:
                    self._depth -= 1
                return
            retry_busy(lambda: self.conn.execute("BEGIN IMMEDIATE"))
            self._depth = 1
            try:
                yield self.conn
            except BaseException:
                self._depth = 0
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise
            try:
                retry_busy(lambda: self.conn.execute("COMMIT"))
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise
            finally:
                self._depth = 0

    def read(self, sql: str, params: tuple | list = ()) -> list[sqlite3.Row | tuple]:
        """Run a read query (retrying a transient lock) and fetch every row."""
        with self._lock:
            return retry_busy(lambda: self.conn.execute(sql, params).fetchall())

    def read_one(self, sql: str, params: tuple | list = ()) -> tuple | None:
        """Run a read query and fetch its first row (or None)."""
        with self._lock:
            return retry_busy(lambda: self.conn.execute(sql, params).fetchone())
