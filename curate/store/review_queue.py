"""The review queue's queries: which records it holds, in what order, page by page.

Order (lowest first), one bit each, then insertion order: ``NOT_PENDING`` (already decided,
listed only when the filters ask for every state), ``SKIPPED`` (a skip not undone),
``PASSING`` (passes the latest check run) and ``REAL`` (not synthetic). Every filter and
priority part is a set of row keys built once per query from an index, never a per-row
lookup, and every read is a single statement on an autocommit connection.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from curate.store.query import LATEST_CHECKS, LATEST_DEDUPE, Where, where_sql
from curate.store.runs import latest_run_id

if TYPE_CHECKING:
    from curate.store import Store

NOT_PENDING, SKIPPED, PASSING, REAL = 8, 4, 2, 1

# A skip event that no undo reverted (over ``review_events e``).
LIVE_SKIP = (
    "e.action = 'skip' AND NOT EXISTS (SELECT 1 FROM review_events u WHERE u.undoes = e.seq)"
)
SKIPPED_SQL = f"s.rid IN (SELECT e.rid FROM review_events e WHERE {LIVE_SKIP})"
FAILING_SQL = "s.rid IN (SELECT rid FROM check_results WHERE run_id = ? AND passed = 0)"
SYNTHETIC_SQL = "s.rid IN (SELECT rid FROM records WHERE origin = 'synthetic')"
PRIORITY_SQL = (
    f"(CASE WHEN s.state = 'pending' THEN 0 ELSE {NOT_PENDING} END)"
    f" + (CASE WHEN {SKIPPED_SQL} THEN {SKIPPED} ELSE 0 END)"
    f" + (CASE WHEN {FAILING_SQL} THEN 0 ELSE {PASSING} END)"
    f" + (CASE WHEN {SYNTHETIC_SQL} THEN 0 ELSE {REAL} END)"
)


def queue_condition(
    state: str | None,
    origin: str | None = None,
    tags: Sequence[tuple[str, str]] = (),
    check: str | None = None,
    cluster: str | None = None,
    search: str | None = None,
) -> tuple[str, list[str]]:
    """A condition over ``review_state s`` and its parameters: records in review ``state``
    (None: any state but ``edited``) that match every filter given."""
    parts: list[str] = []
    params: list[str] = []
    if state is not None:
        parts.append("s.state = ?")
        params.append(state)
    else:
        parts.append("s.state != 'edited'")
    for sql, values in _sets(origin, tags, check, cluster, search):
        parts.append(f"s.rid IN ({sql})")
        params += values
    return " AND ".join(parts), params


def _sets(
    origin: str | None,
    tags: Sequence[tuple[str, str]],
    check: str | None,
    cluster: str | None,
    search: str | None,
) -> list[tuple[str, list[str]]]:
    """One query of row keys per filter, each answered from an index (text excepted)."""
    sets: list[tuple[str, list[str]]] = []
    if origin:
        sets.append(("SELECT rid FROM records WHERE origin = ?", [origin]))
    for key, value in tags:
        sets.append(("SELECT rid FROM record_tags WHERE key = ? AND value = ?", [key, value]))
    if check in ("*", "any"):
        sets.append(
            (f"SELECT rid FROM check_results WHERE run_id = {LATEST_CHECKS} AND passed = 0", [])
        )
    elif check:
        sets.append(
            (
                f"SELECT rid FROM check_results WHERE run_id = {LATEST_CHECKS}"
                " AND check_code = ? AND passed = 0",
                [check],
            )
        )
    if cluster:
        sets.append(
            (
                f"SELECT rid FROM dup_clusters WHERE run_id = {LATEST_DEDUPE} AND cluster_id = ?",
                [cluster],
            )
        )
    if search:
        cond, values = where_sql(Where("text", search))
        sets.append((f"SELECT r.rid FROM records r WHERE {cond}", values))
    return sets


def queue_page(
    store: Store, cond: str, params: Sequence[str], after: tuple[int, int], limit: int
) -> list[tuple[int, int, str]]:
    """``(priority, rid, id)`` of the next ``limit`` records matching ``cond`` after the
    ``(priority, rid)`` cursor ``after``, in queue order."""
    prio, rid = after
    # "LIMIT -1" keeps SQLite from flattening the subquery, which would compute the
    # priority three times per row; ids are looked up only for the rows returned.
    sql = (
        "SELECT x.prio, x.rid, (SELECT id FROM records WHERE rid = x.rid) FROM"
        f" (SELECT s.rid AS rid, {PRIORITY_SQL} AS prio FROM review_state s WHERE {cond}"
        " LIMIT -1) x WHERE x.prio > ? OR (x.prio = ? AND x.rid > ?)"
        " ORDER BY x.prio, x.rid LIMIT ?"
    )
    rows = store.db.read(
        sql, [latest_run_id(store.db, "checks"), *params, prio, prio, rid, limit]
    )
    return [(int(p), int(k), str(i)) for p, k, i in rows]


def queue_states(store: Store, cond: str, params: Sequence[str]) -> dict[str, int]:
    """Review state -> how many records matching ``cond`` are in it."""
    rows = store.db.read(
        f"SELECT s.state, count(*) FROM review_state s WHERE {cond} GROUP BY 1", list(params)
    )
    return {str(k): int(n) for k, n in rows}
