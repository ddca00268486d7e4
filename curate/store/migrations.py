"""The store's schema, versioned with ``PRAGMA user_version`` and migrated in order.

Version 1 (the base schema):

- ``records``: one row per record version. ``rid`` is an internal integer key in insertion
  order that every other table uses (appending to integer keys keeps large imports fast;
  content hashes are random). ``id`` is the content hash, unique. ``kind``, ``origin``,
  ``source_file``, ``source_line``, ``parent_id`` (the id of the record an edit was made
  from; not a foreign key, since an imported version may name a parent stored elsewhere)
  and ``import_id`` are copied out of the record for querying; ``data`` is the whole
  :class:`curate.records.Record` as JSON; ``search`` is its message text for searching.
  Rows are never updated or deleted.
- ``record_tags``: the record's tags, one row per key.
- ``imports``: one row per imported file: path, sha256, format, origin, extra tags, times,
  counters (read/added/existing/rejected) and status (``running`` until it finishes;
  a killed import stays ``running``). Counters are committed with the rows they count.
- ``rejects``: input rows that did not become records, with reason code, sentence and raw
  text; unique per (source, line) so re-importing a file does not repeat them.
- ``review_events``: every review decision (``approve|reject|skip|edit|undo``) with the
  state before and after, reason, reviewer and time. ``batch`` groups the events of one
  call (its first ``seq``); ``prev_seq`` is the event whose state this one replaced (what
  an undo goes back to); ``undoes`` points at the event an undo reverts; ``version_rid``
  is the new record an edit made.
- ``review_state``: the current state of each record (``pending|approved|rejected|edited``,
  where ``edited`` means replaced by a newer version) and the event in effect (``seq``,
  NULL while pending from the start). It is written in the same transaction as the event;
  skips are logged but change no state.
- ``runs``: one row per annotation run (``checks``, ``dedupe``, ``split``) with its status
  and a JSON ``meta``/summary. A run's annotations count once it is ``done``.
- ``check_results``: per record and check code, for one run: passed, score, detail.
- ``dup_clusters``: per record, for one dedupe run: cluster id, representative flag and
  similarity to the representative.
- ``splits``: the split of each record; ``frozen`` rows are never reassigned.

Version 2: ``occurrences`` (every source row that produced a record, so a row read twice
is found once, and records can be selected by any file they appeared in) and the indexes
the review queue filters on (state, origin, kind, tags, failed checks, clusters).

Version 3: ``imports.duplicates``, the rows of an import identical to a row read earlier in
the same ``curate import`` (in the same file or in an earlier file of that command), so an
import's counters add up as ``read = added + duplicates + existing + rejected`` and
``existing`` counts only records that were in the workspace before the import. Imports
logged before version 3 count such rows under ``existing``.

Version 4: ``review_sessions`` (one row per CLI command, review screen session or library
call that recorded review events: ``id``, ``kind`` ``cli|tui|api``, the ``command`` as typed
or described, reviewer, start time and process id) and ``review_events.session``, the
session that recorded each event, so an undo reverts only its own session's decisions.
Events logged before version 4 have no session: each of their calls (``batch``) counts as
one earlier command, which ``curate undo`` can revert and the review screen's undo never does.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from curate.errors import CurateError
from curate.store.db import Database

STATES = ("pending", "approved", "rejected", "edited")
ACTIONS = ("approve", "reject", "skip", "edit", "undo")

V1 = [
    """CREATE TABLE imports (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL,
        sha256 TEXT,
        format TEXT,
        origin TEXT NOT NULL,
        tags TEXT NOT NULL DEFAULT '{}',
        started_at TEXT NOT NULL,
        finished_at TEXT,
        read INTEGER NOT NULL DEFAULT 0,
        added INTEGER NOT NULL DEFAULT 0,
        existing INTEGER NOT NULL DEFAULT 0,
        rejected INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed'))
    )""",
    """CREATE TABLE records (
        rid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        origin TEXT NOT NULL,
        source_file TEXT,
        source_line INTEGER,
        created_at TEXT NOT NULL,
        parent_id TEXT,
        import_id INTEGER REFERENCES imports(id),
        data BLOB NOT NULL,
        search TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX records_parent ON records(parent_id) WHERE parent_id IS NOT NULL",
    """CREATE TABLE record_tags (
        rid INTEGER NOT NULL REFERENCES records(rid),
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (rid, key)
    ) WITHOUT ROWID""",
    """CREATE TABLE rejects (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        line INTEGER,
        code TEXT NOT NULL,
        message TEXT NOT NULL,
        raw TEXT NOT NULL,
        import_id INTEGER REFERENCES imports(id)
    )""",
    "CREATE UNIQUE INDEX rejects_source_line ON rejects(source, line) WHERE line IS NOT NULL",
    """CREATE TABLE review_events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        batch INTEGER NOT NULL,
        rid INTEGER NOT NULL REFERENCES records(rid),
        action TEXT NOT NULL CHECK (action IN ('approve', 'reject', 'skip', 'edit', 'undo')),
        state_before TEXT NOT NULL,
        state_after TEXT NOT NULL,
        reason TEXT,
        reviewer TEXT NOT NULL,
        at TEXT NOT NULL,
        prev_seq INTEGER REFERENCES review_events(seq),
        undoes INTEGER REFERENCES review_events(seq),
        version_rid INTEGER REFERENCES records(rid)
    )""",
    "CREATE INDEX review_events_rid ON review_events(rid, seq)",
    "CREATE INDEX review_events_reviewer ON review_events(reviewer, batch)",
    "CREATE INDEX review_events_batch ON review_events(batch)",
    "CREATE INDEX review_events_undoes ON review_events(undoes) WHERE undoes IS NOT NULL",
    """CREATE TABLE review_state (
        rid INTEGER PRIMARY KEY REFERENCES records(rid),
        state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'rejected', 'edited')),
        seq INTEGER REFERENCES review_events(seq)
    )""",
    """CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        status TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
        meta TEXT NOT NULL DEFAULT '{}'
    )""",
    """CREATE TABLE check_results (
        run_id INTEGER NOT NULL REFERENCES runs(id),
        rid INTEGER NOT NULL REFERENCES records(rid),
        check_code TEXT NOT NULL,
        passed INTEGER NOT NULL,
        score REAL,
        detail TEXT,
        PRIMARY KEY (run_id, rid, check_code)
    ) WITHOUT ROWID""",
    """CREATE TABLE dup_clusters (
        run_id INTEGER NOT NULL REFERENCES runs(id),
        rid INTEGER NOT NULL REFERENCES records(rid),
        cluster_id TEXT NOT NULL,
        representative INTEGER NOT NULL,
        similarity REAL,
        PRIMARY KEY (run_id, rid)
    ) WITHOUT ROWID""",
    """CREATE TABLE splits (
        rid INTEGER PRIMARY KEY REFERENCES records(rid),
        split TEXT NOT NULL CHECK (split IN ('train', 'validation', 'test')),
        frozen INTEGER NOT NULL DEFAULT 0,
        assigned_at TEXT NOT NULL,
        run_id INTEGER REFERENCES runs(id)
    )""",
]

V2 = [
    """CREATE TABLE occurrences (
        source_file TEXT NOT NULL,
        source_line INTEGER NOT NULL,
        rid INTEGER NOT NULL REFERENCES records(rid),
        import_id INTEGER REFERENCES imports(id),
        PRIMARY KEY (source_file, source_line)
    ) WITHOUT ROWID""",
    """INSERT OR IGNORE INTO occurrences (source_file, source_line, rid, import_id)
       SELECT source_file, source_line, rid, import_id FROM records
       WHERE source_file IS NOT NULL AND source_line IS NOT NULL""",
    "CREATE INDEX occurrences_rid ON occurrences(rid)",
    "CREATE INDEX review_state_state ON review_state(state)",
    "CREATE INDEX records_origin ON records(origin)",
    "CREATE INDEX records_kind ON records(kind)",
    "CREATE INDEX record_tags_key_value ON record_tags(key, value)",
    "CREATE INDEX check_results_code ON check_results(run_id, check_code, passed)",
    "CREATE INDEX check_results_rid ON check_results(rid)",
    "CREATE INDEX dup_clusters_cluster ON dup_clusters(run_id, cluster_id)",
    "CREATE INDEX runs_kind ON runs(kind, status, id)",
]

V3 = ["ALTER TABLE imports ADD COLUMN duplicates INTEGER NOT NULL DEFAULT 0"]

V4 = [
    """CREATE TABLE review_sessions (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('cli', 'tui', 'api')),
        command TEXT,
        reviewer TEXT NOT NULL,
        started_at TEXT NOT NULL,
        pid INTEGER
    ) WITHOUT ROWID""",
    "ALTER TABLE review_events ADD COLUMN session TEXT REFERENCES review_sessions(id)",
    "CREATE INDEX review_events_session ON review_events(session, batch)",
]


@dataclass(frozen=True)
class Migration:
    """One schema step: from ``version - 1`` to ``version``."""

    version: int
    description: str
    apply: Callable[[sqlite3.Connection], None]


def _statements(statements: list[str]) -> Callable[[sqlite3.Connection], None]:
    def apply(conn: sqlite3.Connection) -> None:
        for sql in statements:
            conn.execute(sql)

    return apply


MIGRATIONS: list[Migration] = [
    Migration(1, "base schema", _statements(V1)),
    Migration(2, "record occurrences and review-queue indexes", _statements(V2)),
    Migration(3, "in-import duplicate rows counted per import", _statements(V3)),
    Migration(4, "review events name the command or session that made them", _statements(V4)),
]
LATEST = MIGRATIONS[-1].version


class SchemaTooNew(CurateError):
    """The database was written by a newer version of curate-ft."""


def schema_version(conn: sqlite3.Connection) -> int:
    """The schema version stored in the database (0 for an empty one)."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: Database, target: int | None = None) -> int:
    """Apply every migration above the current version, each in its own transaction.

    Safe when two processes open the same workspace at once: the version is re-read after
    the write lock is taken, so each step runs exactly once. Returns the final version.
    """
    target = LATEST if target is None else target
    current = schema_version(db.conn)
    if current > LATEST:
        raise SchemaTooNew(
            f"This workspace uses store schema version {current}, newer than this curate-ft knows ({LATEST}).",
            "Upgrade curate-ft: pip install -U curate-ft",
        )
    for step in MIGRATIONS:
        if step.version > target:
            break
        if step.version <= current:
            continue
        with db.transaction() as conn:
            current = schema_version(conn)
            if current >= step.version:
                continue
            step.apply(conn)
            conn.execute(f"PRAGMA user_version = {step.version}")
            current = step.version
    return schema_version(db.conn)
