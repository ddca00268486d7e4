"""What dedupe's representative rule reads about stored records: review facts, check tallies."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from curate.store import Store


def check_tallies(
    store: Store, run_id: int, ids: Sequence[str], judge_code: str
) -> list[tuple[str, int, float | None]]:
    """Per record id among ``ids`` that check run ``run_id`` saw: how many distinct check
    codes it failed, and its ``judge_code`` score (None where the judge did not grade it)."""
    marks = ",".join("?" * len(ids))
    rows = store.db.read(
        "SELECT r.id, count(DISTINCT CASE WHEN c.passed = 0 THEN c.check_code END),"
        " max(CASE WHEN c.check_code = ? THEN c.score END)"
        " FROM check_results c JOIN records r ON r.rid = c.rid"
        f" WHERE c.run_id = ? AND r.id IN ({marks}) GROUP BY r.id",
        [judge_code, run_id, *ids],
    )
    return [(str(rid), int(failed), judge) for rid, failed, judge in rows]


def review_facts(store: Store, ids: Sequence[str]) -> list[tuple[str, str, str, str | None]]:
    """``(id, review state, origin, created time)`` of the stored records among ``ids``."""
    marks = ",".join("?" * len(ids))
    return [
        (str(rid), str(state), str(origin), created)
        for rid, state, origin, created in store.db.read(
            "SELECT r.id, coalesce(s.state, 'pending'), r.origin, r.created_at FROM records r"
            f" LEFT JOIN review_state s ON s.rid = r.rid WHERE r.id IN ({marks})",
            list(ids),
        )
    ]
