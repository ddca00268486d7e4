"""The latest finished run of a kind: its id, as a value or as a SQL subquery.

A run's annotations count once it is ``done``; the latest ``done`` run of a kind is the one
in effect (``checks``, ``dedupe``, ``same_prompt``, ``contamination``, ``split``).
"""

from __future__ import annotations

from curate.store.db import Database

LATEST_RUN_ID = "SELECT max(id) FROM runs WHERE kind = ? AND status = 'done'"


def latest_run_sql(kind: str) -> str:
    """The latest finished run of ``kind`` as a parenthesised subquery (``kind`` is one of the
    store's own run kinds, written into the SQL, never user input).

    >>> latest_run_sql("checks")
    "(SELECT max(id) FROM runs WHERE kind = 'checks' AND status = 'done')"
    """
    return "(" + LATEST_RUN_ID.replace("?", f"'{kind}'") + ")"


def latest_run_id(db: Database, kind: str) -> int | None:
    """The id of the latest finished run of ``kind`` (None when there is none)."""
    row = db.read_one(LATEST_RUN_ID, (kind,))
    return int(row[0]) if row and row[0] is not None else None
