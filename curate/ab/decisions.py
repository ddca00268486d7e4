"""A/B decisions in SQLite: each committed before the next item shows, undone per session.

Inside a workspace they live in ``.curate/ab.sqlite``; elsewhere in a sidecar next to the A/B
file (``FILE.decisions.sqlite``). Rows are keyed by the A/B file's content key, so two files
never mix. A decision names the shown position (``left``, ``right``, ``tie``, ``both_bad``)
and, unblinded on write, the side that won (``A``, ``B``, ``tie``, ``both_bad``). Undo marks
the session's last live decision undone (a new fact, never a deletion); the latest live
decision per item and decider counts.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path

from curate.ab.abfile import ABItem
from curate.errors import UsageError
from curate.records import now_iso
from curate.store.db import connect

VERDICTS = ("left", "right", "tie", "both_bad")
SCHEMA = """CREATE TABLE IF NOT EXISTS ab_decisions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    ab_key TEXT NOT NULL,
    item_id TEXT NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('left', 'right', 'tie', 'both_bad')),
    winner TEXT NOT NULL CHECK (winner IN ('A', 'B', 'tie', 'both_bad')),
    decider TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('human', 'judge')),
    session TEXT NOT NULL,
    at TEXT NOT NULL,
    undone INTEGER NOT NULL DEFAULT 0
)"""


@dataclass(frozen=True)
class Decision:
    """One live decision on one item."""

    seq: int
    item_id: str
    verdict: str
    winner: str
    decider: str
    source: str
    at: str


def unblind(item: ABItem, verdict: str) -> str:
    """The winning side of a verdict on the shown positions.

    >>> item = ABItem("x", [], "a", "b", 0, left="B")
    >>> unblind(item, "left"), unblind(item, "right"), unblind(item, "tie")
    ('B', 'A', 'tie')
    """
    if verdict not in VERDICTS:
        raise UsageError(f"Unknown A/B verdict '{verdict}'.", f"Use one of: {', '.join(VERDICTS)}.")
    return item.side_of(verdict) if verdict in ("left", "right") else verdict


def decisions_path(ab_file: str | Path, start: str | Path | None = None) -> Path:
    """Where the decisions of ``ab_file`` are kept: the workspace around ``start`` (the
    current folder), else ``FILE.decisions.sqlite`` beside the file."""
    from curate.workspace import SETTINGS_FILE

    here = Path(os.path.abspath(Path(start or os.getcwd())))
    for folder in (here, *here.parents):
        if (folder / SETTINGS_FILE).is_file():
            (folder / ".curate").mkdir(exist_ok=True)
            return folder / ".curate" / "ab.sqlite"
    return Path(f"{ab_file}.decisions.sqlite")


class DecisionStore:
    """The decisions of one A/B file (``ab_key``), in the SQLite file at ``path``."""

    def __init__(self, path: str | Path, ab_key: str) -> None:
        self.path = Path(path)
        self.ab_key = ab_key
        try:
            self.conn = connect(self.path)
            self.conn.execute(SCHEMA)
            self.conn.execute(
                "CREATE INDEX IF NOT EXISTS ab_item ON ab_decisions (ab_key, item_id)"
            )
        except sqlite3.Error as exc:
            raise UsageError(f"Cannot open the A/B decisions at {self.path} ({exc}).") from None

    def close(self) -> None:
        self.conn.close()

    def record(
        self, item: ABItem, verdict: str, decider: str, source: str, session: str
    ) -> Decision:
        """Store one decision (committed on return) and give it back, unblinded."""
        winner = unblind(item, verdict)
        at = now_iso()
        with self.conn:
            cur = self.conn.execute(
                "INSERT INTO ab_decisions (ab_key, item_id, verdict, winner, decider, source,"
                " session, at) VALUES (?,?,?,?,?,?,?,?)",
                (self.ab_key, item.id, verdict, winner, decider, source, session, at),
            )
        return Decision(int(cur.lastrowid or 0), item.id, verdict, winner, decider, source, at)

    def undo_last(self, session: str) -> Decision | None:
        """Undo the session's last live decision; None when it has none."""
        row = self.conn.execute(
            "SELECT seq, item_id, verdict, winner, decider, source, at FROM ab_decisions"
            " WHERE ab_key = ? AND session = ? AND undone = 0 ORDER BY seq DESC LIMIT 1",
            (self.ab_key, session),
        ).fetchone()
        if row is None:
            return None
        with self.conn:
            self.conn.execute("UPDATE ab_decisions SET undone = 1 WHERE seq = ?", (row[0],))
        return Decision(*row)

    def latest(self, source: str = "human") -> dict[str, Decision]:
        """The latest live decision per item by ``source`` (``human`` or ``judge``)."""
        rows = self.conn.execute(
            "SELECT seq, item_id, verdict, winner, decider, source, at FROM ab_decisions"
            " WHERE ab_key = ? AND source = ? AND undone = 0 ORDER BY seq",
            (self.ab_key, source),
        ).fetchall()
        return {row[1]: Decision(*row) for row in rows}


def new_session() -> str:
    return uuid.uuid4().hex[:12]
