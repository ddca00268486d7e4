"""The request ledger (`.curate/ledger.sqlite`): every request by its hash, every raw answer
stored before it is parsed, so a killed run resumes without paying twice.

Statuses: ``sent`` (on its way; a run that died leaves it to be sent again), ``answered``
(the raw body is stored), ``parsed`` (it became a record, a duplicate or a check failure:
see ``outcome``), ``failed`` (``error_kind`` says why: ``parse`` and ``malformed`` answers
were paid for and are kept with their raw text and never re-bought; ``http``,
``transport``, ``quota`` and ``budget`` failures bought nothing and are sent again).
No key, header or secret is ever written here: text passes through ``keys.scrub``.
``usage`` holds a reason code (``usage_malformed``, ``usage_missing``) when the answer's
token usage could not be read: its tokens and cost are then the worst-case estimate.

The connection uses WAL with ``synchronous=NORMAL``: a commit survives the process being
killed at any moment (what resuming needs); only a power cut can lose the last commits,
which costs at most re-buying those few answers. ``FULL`` would put an fsync on the event
loop for every request.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from curate.providers.keys import scrub
from curate.records import now_iso
from curate.store.db import connect, retry_busy

LEDGER_FILE = "ledger.sqlite"
PAID_FAILURES = ("parse", "malformed")

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS requests (
        key TEXT PRIMARY KEY,
        plan TEXT NOT NULL,
        idx INTEGER NOT NULL,
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        template TEXT,
        kind TEXT,
        request TEXT NOT NULL,
        meta TEXT,
        status TEXT NOT NULL CHECK (status IN ('sent', 'answered', 'parsed', 'failed')),
        sends INTEGER NOT NULL DEFAULT 0,
        attempts INTEGER NOT NULL DEFAULT 0,
        request_id TEXT,
        response_model TEXT,
        stop_reason TEXT,
        raw TEXT,
        text TEXT,
        input_tokens INTEGER,
        output_tokens INTEGER,
        cost REAL,
        usage TEXT,
        error_kind TEXT,
        error TEXT,
        outcome TEXT,
        record_id TEXT,
        run_id INTEGER,
        answered_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS requests_plan ON requests (plan, idx)",
    """CREATE TABLE IF NOT EXISTS plans (
        plan TEXT PRIMARY KEY,
        base INTEGER NOT NULL DEFAULT 0,
        generation INTEGER NOT NULL DEFAULT 0,
        spec TEXT,
        created_at TEXT NOT NULL
    )""",
    "CREATE TABLE IF NOT EXISTS text_hashes (record_id TEXT PRIMARY KEY, hash TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        plan TEXT,
        args TEXT,
        key_fingerprint TEXT,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        status TEXT,
        message TEXT,
        sent INTEGER DEFAULT 0,
        failed INTEGER DEFAULT 0,
        input_tokens INTEGER DEFAULT 0,
        output_tokens INTEGER DEFAULT 0,
        cost REAL DEFAULT 0
    )""",
]


# Columns added after the first release: (name, type), added to older ledgers on open.
ADDED_COLUMNS = (("usage", "TEXT"),)


@dataclass
class Entry:
    """One ledger row."""

    key: str
    plan: str
    idx: int
    status: str
    request: dict[str, Any]
    meta: dict[str, Any]
    raw: str | None
    text: str | None
    request_id: str | None
    response_model: str | None
    stop_reason: str | None
    input_tokens: int
    output_tokens: int
    cost: float | None
    error_kind: str | None
    error: str | None
    outcome: str | None
    record_id: str | None
    answered_at: str | None
    sends: int

    @property
    def paid_failure(self) -> bool:
        """A failure of an answer that was paid for: kept, never re-bought."""
        return self.status == "failed" and self.error_kind in PAID_FAILURES

    @property
    def needs_send(self) -> bool:
        return self.status == "sent" or (self.status == "failed" and not self.paid_failure)


_COLUMNS = (
    "key, plan, idx, status, request, meta, raw, text, request_id, response_model, stop_reason,"
    " input_tokens, output_tokens, cost, error_kind, error, outcome, record_id, answered_at, sends"
)


def _entry(row: tuple) -> Entry:
    return Entry(
        key=row[0],
        plan=row[1],
        idx=row[2],
        status=row[3],
        request=orjson.loads(row[4]),
        meta=orjson.loads(row[5] or "{}"),
        raw=row[6],
        text=row[7],
        request_id=row[8],
        response_model=row[9],
        stop_reason=row[10],
        input_tokens=row[11] or 0,
        output_tokens=row[12] or 0,
        cost=row[13],
        error_kind=row[14],
        error=row[15],
        outcome=row[16],
        record_id=row[17],
        answered_at=row[18],
        sends=row[19] or 0,
    )


class Ledger:
    """The SQLite ledger of one workspace (WAL, one transaction per write)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = connect(self.path)
        self.conn.execute("PRAGMA synchronous = NORMAL")
        with self._write() as conn:
            for statement in SCHEMA:
                conn.execute(statement)
            columns = {row[1] for row in conn.execute("PRAGMA table_info(requests)")}
            for name, sql_type in ADDED_COLUMNS:
                if name not in columns:  # a ledger written by an older curate
                    conn.execute(f"ALTER TABLE requests ADD COLUMN {name} {sql_type}")

    @classmethod
    def for_workspace(cls, state_dir: Path | str) -> Ledger:
        return cls(Path(state_dir) / LEDGER_FILE)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        retry_busy(lambda: self.conn.execute("BEGIN IMMEDIATE"))
        try:
            yield self.conn
            retry_busy(lambda: self.conn.execute("COMMIT"))
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise

    # plans ----------------------------------------------------------------------------
    def plan_base(self, plan: str, spec: dict[str, Any], fresh: bool) -> tuple[int, int]:
        """The first request index of the plan's current generation, and the generation.

        ``fresh`` starts a new generation after every index the plan has used so far.
        """
        with self._write() as conn:
            row = conn.execute(
                "SELECT base, generation FROM plans WHERE plan = ?", (plan,)
            ).fetchone()
            if row is None:
                conn.execute(
                    "INSERT INTO plans (plan, base, generation, spec, created_at) VALUES (?,?,?,?,?)",
                    (plan, 0, 0, orjson.dumps(spec).decode(), now_iso()),
                )
                return 0, 0
            if not fresh:
                return int(row[0]), int(row[1])
            used = conn.execute("SELECT max(idx) FROM requests WHERE plan = ?", (plan,)).fetchone()
            base = max(int(row[0]), (used[0] + 1) if used and used[0] is not None else 0)
            generation = int(row[1]) + 1
            conn.execute(
                "UPDATE plans SET base = ?, generation = ? WHERE plan = ?", (base, generation, plan)
            )
            return base, generation

    def peek_base(self, plan: str, fresh: bool) -> tuple[int, int]:
        """What :meth:`plan_base` would answer, without writing anything (dry runs)."""
        row = self.conn.execute(
            "SELECT base, generation FROM plans WHERE plan = ?", (plan,)
        ).fetchone()
        if row is None:
            return 0, 0
        if not fresh:
            return int(row[0]), int(row[1])
        used = self.conn.execute("SELECT max(idx) FROM requests WHERE plan = ?", (plan,)).fetchone()
        base = max(int(row[0]), (used[0] + 1) if used and used[0] is not None else 0)
        return base, int(row[1]) + 1

    def counted(self, plan: str, base: int) -> int:
        """Records of the plan's current generation that already count."""
        row = self.conn.execute(
            "SELECT count(*) FROM requests WHERE plan = ? AND idx >= ? AND outcome = 'counted'",
            (plan, base),
        ).fetchone()
        return int(row[0]) if row else 0

    def counted_before(self, plan: str, base: int) -> int:
        """Records of the plan's earlier generations (request numbers below ``base``)."""
        row = self.conn.execute(
            "SELECT count(*) FROM requests WHERE plan = ? AND idx < ? AND outcome = 'counted'",
            (plan, base),
        ).fetchone()
        return int(row[0]) if row else 0

    # requests -------------------------------------------------------------------------
    def get(self, key: str) -> Entry | None:
        row = self.conn.execute(f"SELECT {_COLUMNS} FROM requests WHERE key = ?", (key,)).fetchone()
        return None if row is None else _entry(row)

    def entries(self, plan: str | None = None) -> list[Entry]:
        sql = f"SELECT {_COLUMNS} FROM requests"
        params: tuple = ()
        if plan is not None:
            sql += " WHERE plan = ?"
            params = (plan,)
        return [_entry(r) for r in self.conn.execute(sql + " ORDER BY plan, idx", params)]

    def mark_sent(
        self,
        key: str,
        plan: str,
        idx: int,
        request: dict[str, Any],
        meta: dict[str, Any],
        template: str | None,
        kind: str | None,
        run_id: int | None,
    ) -> None:
        """Note that a request is about to be sent (before any byte leaves)."""
        now = now_iso()
        with self._write() as conn:
            conn.execute(
                "INSERT INTO requests (key, plan, idx, provider, model, template, kind, request,"
                " meta, status, sends, run_id, created_at, updated_at)"
                " VALUES (?,?,?,?,?,?,?,?,?,'sent',1,?,?,?)"
                " ON CONFLICT(key) DO UPDATE SET status='sent', sends=sends+1, error_kind=NULL,"
                " error=NULL, run_id=excluded.run_id, updated_at=excluded.updated_at",
                (
                    key,
                    plan,
                    idx,
                    request.get("provider", ""),
                    request.get("model", ""),
                    template,
                    kind,
                    scrub(orjson.dumps(request).decode()),
                    scrub(orjson.dumps(meta).decode()),
                    run_id,
                    now,
                    now,
                ),
            )

    def mark_answered(
        self,
        key: str,
        *,
        raw: str,
        text: str,
        request_id: str | None,
        response_model: str | None,
        stop_reason: str | None,
        input_tokens: int,
        output_tokens: int,
        cost: float | None,
        attempts: int,
        usage: str | None = None,
    ) -> str:
        """Store the raw answer (before it is parsed); returns the answer time.

        ``usage`` is the reason code of an unreadable token usage (the tokens and cost are
        then worst-case estimates).
        """
        now = now_iso()
        with self._write() as conn:
            conn.execute(
                "UPDATE requests SET status='answered', raw=?, text=?, request_id=?,"
                " response_model=?, stop_reason=?, input_tokens=?, output_tokens=?, cost=?,"
                " usage=?, attempts=attempts+?, answered_at=?, updated_at=? WHERE key=?",
                (
                    scrub(raw),
                    scrub(text),
                    request_id,
                    response_model,
                    stop_reason,
                    input_tokens,
                    output_tokens,
                    cost,
                    usage,
                    attempts,
                    now,
                    now,
                    key,
                ),
            )
        return now

    def mark_parsed(
        self, key: str, outcome: str, record_id: str | None, note: str | None = None
    ) -> None:
        """The answer became a record: ``outcome`` is counted, duplicate or check_failed."""
        with self._write() as conn:
            conn.execute(
                "UPDATE requests SET status='parsed', outcome=?, record_id=?, error=?,"
                " error_kind=NULL, updated_at=? WHERE key=?",
                (outcome, record_id, scrub(note, key_like=True), now_iso(), key),
            )

    def mark_counted(self, items: list[tuple[str, str]]) -> None:
        """Several answers whose records are now stored: (key, record id) pairs."""
        now = now_iso()
        with self._write() as conn:
            conn.executemany(
                "UPDATE requests SET status='parsed', outcome='counted', record_id=?,"
                " error=NULL, error_kind=NULL, updated_at=? WHERE key=?",
                [(rid, now, key) for key, rid in items],
            )

    def mark_failed(
        self,
        key: str,
        kind: str,
        error: str,
        *,
        raw: str | None = None,
        request_id: str | None = None,
        attempts: int = 0,
    ) -> None:
        """A failure; ``raw`` keeps a paid answer's body (malformed answers)."""
        with self._write() as conn:
            conn.execute(
                "UPDATE requests SET status='failed', error_kind=?, error=?,"
                " raw=coalesce(?, raw), request_id=coalesce(?, request_id),"
                " attempts=attempts+?, updated_at=? WHERE key=?",
                (
                    kind,
                    scrub(error, key_like=True),
                    scrub(raw),
                    request_id,
                    attempts,
                    now_iso(),
                    key,
                ),
            )

    # normalised-text hashes of workspace records (a cache for dedupe) ------------------
    def text_hashes(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT record_id, hash FROM text_hashes"))

    def put_text_hashes(self, items: list[tuple[str, str]]) -> None:
        if not items:
            return
        with self._write() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO text_hashes (record_id, hash) VALUES (?, ?)", items
            )

    # runs -----------------------------------------------------------------------------
    def start_run(self, plan: str, args: dict[str, Any], key_fingerprint: str | None) -> int:
        with self._write() as conn:
            cur = conn.execute(
                "INSERT INTO runs (plan, args, key_fingerprint, started_at, status)"
                " VALUES (?,?,?,?, 'running')",
                (
                    plan,
                    scrub(orjson.dumps(args).decode(), key_like=True),
                    key_fingerprint,
                    now_iso(),
                ),
            )
            return int(cur.lastrowid or 0)

    def finish_run(self, run_id: int, status: str, message: str, totals: dict[str, Any]) -> None:
        with self._write() as conn:
            conn.execute(
                "UPDATE runs SET finished_at=?, status=?, message=?, sent=?, failed=?,"
                " input_tokens=?, output_tokens=?, cost=? WHERE id=?",
                (
                    now_iso(),
                    status,
                    scrub(message, key_like=True),
                    totals.get("sent", 0),
                    totals.get("failed", 0),
                    totals.get("input_tokens", 0),
                    totals.get("output_tokens", 0),
                    totals.get("cost", 0.0),
                    run_id,
                ),
            )

    def totals(self, plan: str | None = None) -> dict[str, Any]:
        """Counts by status and the summed usage and cost (of one plan or all)."""
        where, params = ("WHERE plan = ?", (plan,)) if plan else ("", ())
        by_status = dict(
            self.conn.execute(f"SELECT status, count(*) FROM requests {where} GROUP BY 1", params)
        )
        usage = self.conn.execute(
            f"SELECT coalesce(sum(input_tokens),0), coalesce(sum(output_tokens),0),"
            f" coalesce(sum(cost),0) FROM requests {where}",
            params,
        ).fetchone()
        return {
            "by_status": by_status,
            "input_tokens": int(usage[0]),
            "output_tokens": int(usage[1]),
            "cost": float(usage[2]),
        }
