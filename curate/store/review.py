"""Review decisions as an append-only event log, with the current state kept beside it.

Every call is one transaction that appends events and updates ``review_state`` together,
so the state always equals the replay of the events. Undo appends an ``undo`` event that
restores the earlier state; an edit stores a new record version and marks the original
``edited`` (replaced), leaving it in place.

Every event names the session that recorded it (:class:`SessionTag`): one per ``curate``
command, per review screen session, or per library call made without one. Undo belongs to
its session: the review screen reverts only its own last decision, ``curate undo`` the
reviewer's last command (a CLI command, a library call, or a call logged before sessions
existed), ``curate undo --session ID`` that session's last decision.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from curate.errors import UsageError
from curate.records import Record, content_id, now_iso
from curate.store.db import Database
from curate.store.records import INSERT_RECORD, chunks, next_rid, record_row

Action = Literal["approve", "reject", "skip"]
SessionKind = Literal["cli", "tui", "api"]
COMMANDS = ("cli", "api")  # what ``curate undo`` reverts, with events logged before sessions
TARGET = {"approve": "approved", "reject": "rejected"}
INSERT_EVENT = (
    "INSERT INTO review_events (seq, batch, rid, action, state_before, state_after, reason,"
    " reviewer, at, prev_seq, undoes, version_rid, session) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
NOT_UNDONE = "NOT EXISTS (SELECT 1 FROM review_events u WHERE u.undoes = e.seq)"


@dataclass(frozen=True)
class SessionTag:
    """Who records events: one CLI command, one review screen session or one library call."""

    id: str
    kind: SessionKind
    reviewer: str
    command: str | None = None
    started_at: str = field(default_factory=now_iso)

    @classmethod
    def new(cls, kind: SessionKind, reviewer: str, command: str | None = None) -> SessionTag:
        """A fresh session id such as ``cli-3f2a9c0d``."""
        return cls(f"{kind}-{secrets.token_hex(4)}", kind, reviewer, command)


@dataclass(frozen=True)
class Batch:
    """One call's decisions that are not undone yet, and the session that made them."""

    batch: int
    action: str
    count: int
    reviewer: str
    at: str
    session: str | None  # None: logged before sessions were recorded
    kind: str | None
    command: str | None

    def describe(self) -> str:
        """``curate approve --all`` / ``review screen session tui-1a2b3c4d`` / ..."""
        if self.kind == "tui":
            return f"review screen session {self.session}"
        if self.kind == "cli":
            return self.command or f"command {self.session}"
        if self.kind == "api":
            return f"library call {self.session}"
        return "an earlier command"


@dataclass
class Decision:
    """What one call to :meth:`ReviewMixin.record_decision` did."""

    action: str
    batch: int | None
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


@dataclass
class Undo:
    """What :meth:`ReviewMixin.undo_last` reverted."""

    batch: int
    action: str
    restored: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # a later decision stands
    reverted: Batch | None = None  # what was undone: its session, command, time and size


@dataclass(frozen=True)
class Event:
    """One row of the review log."""

    seq: int
    batch: int
    record_id: str
    action: str
    state_before: str
    state_after: str
    reason: str | None
    reviewer: str
    at: str
    prev_seq: int | None
    undoes: int | None
    version_id: str | None
    session: str | None = None


@dataclass
class _State:
    rid: int
    state: str
    seq: int | None


def _next_seq(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'review_events'").fetchone()
    top = conn.execute("SELECT coalesce(max(seq), 0) FROM review_events").fetchone()[0]
    return max(int(row[0]) if row else 0, int(top)) + 1


def _states(conn: sqlite3.Connection, ids: list[str]) -> dict[str, _State]:
    found: dict[str, _State] = {}
    for part in chunks(ids):
        marks = ",".join("?" * len(part))
        for rid_id, rid, state, seq in conn.execute(
            "SELECT r.id, r.rid, s.state, s.seq FROM records r JOIN review_state s"
            f" ON s.rid = r.rid WHERE r.id IN ({marks})",
            list(part),
        ):
            found[rid_id] = _State(rid, state, seq)
    return found


def _state_of(conn: sqlite3.Connection, rid: int) -> tuple[str, int | None]:
    row = conn.execute("SELECT state, seq FROM review_state WHERE rid = ?", (rid,)).fetchone()
    return row[0], row[1]


def _set_state(conn: sqlite3.Connection, rid: int, state: str, seq: int | None) -> None:
    conn.execute("UPDATE review_state SET state = ?, seq = ? WHERE rid = ?", (state, seq, rid))


def _open_session(conn: sqlite3.Connection, tag: SessionTag) -> None:
    conn.execute(
        "INSERT OR IGNORE INTO review_sessions (id, kind, command, reviewer, started_at, pid)"
        " VALUES (?,?,?,?,?,?)",
        (tag.id, tag.kind, tag.command, tag.reviewer, tag.started_at, os.getpid()),
    )


def _last_batch(
    conn: sqlite3.Connection,
    session: str | None = None,
    reviewer: str | None = None,
    commands: bool = False,
) -> Batch | None:
    """The latest batch not undone yet: of a session, of a reviewer's commands, or of anyone."""
    where, params = ["e.action != 'undo'", NOT_UNDONE], []
    if session is not None:
        where.append("e.session = ?")
        params.append(session)
    if reviewer is not None:
        where.append("e.reviewer = ?")
        params.append(reviewer)
    if commands:
        kinds = ",".join(f"'{k}'" for k in COMMANDS)
        where.append(
            "(e.session IS NULL OR e.session IN"
            f" (SELECT id FROM review_sessions WHERE kind IN ({kinds})))"
        )
    row = conn.execute(
        f"SELECT max(e.batch) FROM review_events e WHERE {' AND '.join(where)}", params
    ).fetchone()
    if row is None or row[0] is None:
        return None
    found = conn.execute(
        "SELECT e.batch, e.action, count(*), e.reviewer, min(e.at), e.session, s.kind, s.command"
        " FROM review_events e LEFT JOIN review_sessions s ON s.id = e.session"
        " WHERE e.batch = ? AND e.action != 'undo' GROUP BY e.batch",
        (int(row[0]),),
    ).fetchone()
    return Batch(*found)


class ReviewMixin:
    """Decisions, undo, edits and the review history of a record."""

    db: Database

    def record_decision(
        self,
        ids: Iterable[str],
        action: Action,
        reviewer: str,
        reason: str | None = None,
        session: SessionTag | None = None,
    ) -> Decision:
        """Approve, reject or skip records in one transaction, as ``session`` (default: a
        new library-call session).

        An event is kept for every record whose state changes (and for every skip), with
        the reviewer, time, reason and previous state. Records already in the target state
        are reported as unchanged. Unknown ids, and records replaced by an edit, raise a
        UsageError and nothing is recorded.
        """
        if action not in ("approve", "reject", "skip"):
            raise UsageError(f"Unknown review action '{action}'.", "Use approve, reject or skip.")
        if not reviewer:
            raise UsageError("A review decision needs a reviewer name.")
        wanted = list(dict.fromkeys(ids))
        result = Decision(action, None)
        if not wanted:
            return result
        tag = session or SessionTag.new("api", reviewer)
        at = now_iso()
        with self.db.transaction() as conn:
            states = _states(conn, wanted)
            missing = [i for i in wanted if i not in states]
            if missing:
                more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
                raise UsageError(f"No record with id '{missing[0]}' in this workspace{more}.")
            replaced = [i for i in wanted if states[i].state == "edited"]
            if replaced:
                raise UsageError(
                    f"Record '{replaced[0]}' was replaced by an edit.",
                    "Decide on its newest version instead.",
                )
            seq = batch = _next_seq(conn)
            events, updates = [], []
            for record_id in wanted:
                st = states[record_id]
                after = TARGET.get(action, st.state)
                if action != "skip" and after == st.state:
                    result.unchanged.append(record_id)
                    continue
                events.append(
                    (seq, batch, st.rid, action, st.state, after, reason, reviewer, at)
                    + (st.seq, None, None, tag.id)
                )
                if action != "skip":  # a skip is logged but decides nothing
                    updates.append((after, seq, st.rid))
                result.changed.append(record_id)
                seq += 1
            if events:
                _open_session(conn, tag)
            conn.executemany(INSERT_EVENT, events)
            conn.executemany("UPDATE review_state SET state = ?, seq = ? WHERE rid = ?", updates)
        result.batch = batch if result.changed else None
        return result

    def add_version(
        self,
        parent: Record | str,
        edited: Record,
        reviewer: str,
        reason: str | None = None,
        session: SessionTag | None = None,
    ) -> Record:
        """Store an edited version of ``parent`` and mark the parent ``edited``.

        The new version gets its own content id, points at its parent, and starts
        ``pending``. The parent stays stored unchanged. Returns the new version.
        """
        parent_id = parent if isinstance(parent, str) else parent.id
        child = edited.model_copy(deep=True)
        child.parent_id = parent_id
        child.id = content_id(child)
        if child.id == parent_id:
            raise UsageError("The edit changes nothing, so no new version was made.")
        tag = session or SessionTag.new("api", reviewer)
        at = now_iso()
        with self.db.transaction() as conn:
            states = _states(conn, [parent_id, child.id])
            if parent_id not in states:
                raise UsageError(f"No record with id '{parent_id}' in this workspace.")
            st = states[parent_id]
            if st.state == "edited":
                raise UsageError(
                    f"Record '{parent_id}' was already replaced by an edit.",
                    "Edit its newest version instead.",
                )
            seq = _next_seq(conn)
            _open_session(conn, tag)
            existing = states.get(child.id)
            child_rid = existing.rid if existing else next_rid(conn)
            if existing is None:
                conn.execute(INSERT_RECORD, record_row(child_rid, child, None, at))
                conn.executemany(
                    "INSERT INTO record_tags (rid, key, value) VALUES (?,?,?)",
                    [(child_rid, k, str(v)) for k, v in child.tags.items()],
                )
            conn.execute(
                INSERT_EVENT,
                (seq, seq, st.rid, "edit", st.state, "edited", reason, reviewer, at)
                + (st.seq, None, child_rid, tag.id),
            )
            _set_state(conn, st.rid, "edited", seq)
            if existing is None:
                conn.execute(
                    "INSERT INTO review_state (rid, state, seq) VALUES (?, 'pending', ?)",
                    (child_rid, seq),
                )
        return child

    def last_decision(
        self, session: str | None = None, reviewer: str | None = None, commands: bool = False
    ) -> Batch | None:
        """The latest call not undone yet: of ``session``, of ``reviewer``, of a command
        (CLI, library call or logged before sessions) when ``commands``; of anyone by default."""
        return _last_batch(self.db.conn, session, reviewer, commands)

    def batch_ids(self, batch: int) -> list[str]:
        """The ids of the records one call decided on, in the order it recorded them."""
        rows = self.db.read(
            "SELECT r.id FROM review_events e JOIN records r ON r.rid = e.rid"
            " WHERE e.batch = ? AND e.action != 'undo' ORDER BY e.seq",
            (batch,),
        )
        return [r[0] for r in rows]

    def undo_last(
        self,
        reviewer: str,
        session: str | None = None,
        by: SessionTag | None = None,
        expect: int | None = None,
    ) -> Undo | None:
        """Revert the latest call not undone yet (None if there is none): of ``session`` when
        given, else ``reviewer``'s latest command (CLI, library call or logged before
        sessions; never a review screen's decision). ``by`` is the session the undo is
        recorded as (default: a new library-call session). With ``expect``, refuse when the call found is not that batch (another
        decision came in between showing and undoing).

        Each reverted record gets an ``undo`` event that restores its previous state. A
        record decided again since (by anyone) keeps its newer state; the undo event notes
        that. Undoing an edit restores the original and rejects the new version.
        """
        tag = by or SessionTag.new("api", reviewer)
        at = now_iso()
        with self.db.transaction() as conn:
            if session is not None:
                found = _last_batch(conn, session=session)
            else:
                found = _last_batch(conn, reviewer=reviewer, commands=True)
            if found is None:
                return None
            if expect is not None and found.batch != expect:
                raise UsageError(
                    "Another decision was recorded while the undo was being prepared; "
                    "nothing was undone.",
                    "Run the undo again to see what it would revert now.",
                )
            batch = found.batch
            _open_session(conn, tag)
            events = conn.execute(
                "SELECT e.seq, e.rid, r.id, e.action, e.state_before, e.prev_seq, e.version_rid,"
                " s.state, s.seq FROM review_events e JOIN records r ON r.rid = e.rid"
                " JOIN review_state s ON s.rid = e.rid"
                " WHERE e.batch = ? AND e.action != 'undo' ORDER BY e.seq DESC",
                (batch,),
            ).fetchall()  # a call names each record once, so these states are current
            result = Undo(batch, events[0][3], reverted=found)
            seq = undo_batch = _next_seq(conn)
            inserts, updates = [], []
            for ev_seq, rid, record_id, action, state_before, prev_seq, version_rid, *now in events:
                state, state_seq = now
                if action == "skip":
                    after, back_to, why = state, state_seq, None
                    result.restored.append(record_id)
                elif state_seq == ev_seq:
                    after, back_to, why = state_before, prev_seq, None
                    result.restored.append(record_id)
                else:
                    after, back_to, why = state, state_seq, "a later decision stands"
                    result.kept.append(record_id)
                rows = [(rid, state, after, back_to, why)]
                if action == "edit" and version_rid is not None and why is None:
                    v_state, v_seq = _state_of(conn, version_rid)
                    if v_seq == ev_seq:  # the new version was not decided on since
                        rows.append(
                            (version_rid, v_state, "rejected", seq + 1, "the edit was undone")
                        )
                for target, before, new_state, back, note in rows:
                    inserts.append(
                        (seq, undo_batch, target, "undo", before, new_state, note, reviewer, at)
                        + (back, ev_seq, None, tag.id)
                    )
                    updates.append((new_state, back, target))
                    seq += 1
            conn.executemany(INSERT_EVENT, inserts)
            conn.executemany("UPDATE review_state SET state = ?, seq = ? WHERE rid = ?", updates)
        return result

    def review_state(self, record_id: str) -> str:
        """The record's current review state."""
        row = self.db.read_one(
            "SELECT s.state FROM records r JOIN review_state s ON s.rid = r.rid WHERE r.id = ?",
            (record_id,),
        )
        if row is None:
            raise UsageError(f"No record with id '{record_id}' in this workspace.")
        return str(row[0])

    def history(self, record_id: str | None = None, limit: int | None = None) -> list[Event]:
        """Review events, oldest first: of one record, or of the whole workspace."""
        sql = (
            "SELECT e.seq, e.batch, r.id, e.action, e.state_before, e.state_after, e.reason,"
            " e.reviewer, e.at, e.prev_seq, e.undoes, v.id, e.session FROM review_events e"
            " JOIN records r ON r.rid = e.rid LEFT JOIN records v ON v.rid = e.version_rid"
        )
        params: list[object] = []
        if record_id is not None:
            sql += " WHERE r.id = ?"
            params.append(record_id)
        sql += " ORDER BY e.seq DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [Event(*row) for row in reversed(self.db.read(sql, params))]
