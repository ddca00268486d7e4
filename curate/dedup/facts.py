"""What the representative rule reads from a workspace: review state, origin, time, quality.

The quality score comes from the latest finished ``checks`` run (``curate validate``):
1.0 for a record that failed no check, 0.25 less for each distinct check code it failed
(never below 0), plus a hundredth of its LLM-judge score (1-5) where the judge graded it,
so the judge only breaks ties between records with the same checklist result. A record
the latest check run did not see has no score and ranks below every scored one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from curate.dedup.clusters import Facts
from curate.store.dedup_facts import check_tallies, review_facts

if TYPE_CHECKING:
    from curate.store import Store

FAILED_CODE_COST = 0.25
JUDGE_CODE = "judge_low_score"
CHUNK = 500


def quality_score(failed_codes: int, judge: float | None) -> float:
    """The quality score of a checked record (see the module docstring).

    >>> quality_score(0, None), quality_score(1, 4.0), quality_score(9, None)
    (1.0, 0.79, 0.0)
    """
    score = max(0.0, 1.0 - FAILED_CODE_COST * failed_codes)
    return round(score + (judge / 100 if judge is not None else 0.0), 6)


def _chunks(ids: Sequence[str]) -> list[Sequence[str]]:
    return [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]


def store_facts(store: Store, ids: Sequence[str]) -> dict[str, Facts]:
    """Facts for the stored records among ``ids`` (state, origin, time, quality)."""
    run = store.latest_run("checks")
    out: dict[str, Facts] = {}
    for part in _chunks(list(ids)):
        quality: dict[str, float] = {}
        if run is not None:
            for rid, failed, judge in check_tallies(store, run.id, part, JUDGE_CODE):
                quality[rid] = quality_score(failed, judge)
        for rid, state, origin, created in review_facts(store, part):
            out[rid] = Facts(rid, state, origin, quality.get(rid), created)
    return out
