"""Text lengths of the records under review (not replaced by an edit), bucketed in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from curate.store import Store


def reviewable_count(store: Store) -> int:
    """How many records are not replaced by an edit."""
    row = store.db.read_one("SELECT count(*) FROM review_state WHERE state != 'edited'")
    return int(row[0]) if row else 0


def length_buckets(store: Store, edges: Sequence[int], stride: int) -> dict[int, int]:
    """Bucket index -> records (every ``stride``-th row key) whose message text is shorter
    than ``edges[i + 1]`` characters (the last bucket: ``edges[-1]`` or more)."""
    cases = " ".join(f"WHEN n < {hi} THEN {i}" for i, hi in enumerate(edges[1:]))
    rows = store.db.read(
        f"SELECT CASE {cases} ELSE {len(edges) - 1} END AS b, count(*) FROM"
        " (SELECT length(r.search) AS n FROM review_state s CROSS JOIN records r ON r.rid = s.rid"
        " WHERE s.state != 'edited' AND s.rid % ? = 0) GROUP BY b",
        (stride,),
    )
    return {int(b): int(n) for b, n in rows}
