"""Dedupe results as workspace annotations: duplicate clusters and contamination marks.

Each ``curate dedupe`` writes a new ``dedupe`` run (cluster id, representative flag and
similarity to the representative for every clustered record); ``--against`` also writes
a new ``contamination`` run, and a ``same_prompt`` run holds the groups of records that
share a prompt without being duplicates (stored like clusters, no representative; the
split keeps each group in one split). The latest finished run of each kind is the one in effect,
so running again replaces the previous results while keeping them as history. Records
themselves are never changed or deleted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from curate.dedup.against import CODES, REASONS, RUN_KIND, Mark
from curate.dedup.clusters import Cluster, PromptGroup

if TYPE_CHECKING:
    from curate.store import Store

DEDUPE_RUN = "dedupe"
SAME_PROMPT_RUN = "same_prompt"


Row = tuple[str, str, bool, float]  # record id, cluster id, representative, similarity


def write_clusters(
    store: Store,
    clusters: Iterable[Cluster],
    meta: dict[str, Any],
    summary: dict[str, Any],
    rids: Mapping[str, int] | None = None,
) -> int:
    """Store clusters as a new, finished ``dedupe`` run; returns its id. ``rids`` (record id
    -> row key, when the caller has them) saves looking the records up again."""
    rows = [(m.record_id, c.id, m.representative, m.similarity) for c in clusters for m in c.members]
    return _write(store, DEDUPE_RUN, meta, summary, lambda run_id: _put(store, run_id, rows, rids))


def write_prompt_groups(
    store: Store,
    groups: Iterable[PromptGroup],
    meta: dict[str, Any],
    rids: Mapping[str, int] | None = None,
) -> int:
    """Store ``same_prompt`` groups as a new, finished ``same_prompt`` run; returns its id."""
    groups = list(groups)
    rows = [(m, g.id, False, 1.0) for g in groups for m in g.members]
    summary = {"groups": len(groups), "records": len(rows)}
    return _write(store, SAME_PROMPT_RUN, meta, summary, lambda run_id: _put(store, run_id, rows, rids))


def _put(store: Store, run_id: int, rows: list[Row], rids: Mapping[str, int] | None) -> None:
    """Membership rows of a run: through the store's API, or, with the row keys known,
    inserted directly in row-key order (the table's own order: no lookups, few page splits)."""
    if rids is None:
        from curate.store import ClusterMember

        store.put_clusters(run_id, [ClusterMember(*row) for row in rows])
        return
    keyed = sorted((rids[rid], cluster, int(rep), sim) for rid, cluster, rep, sim in rows)
    store.put_cluster_rows(run_id, keyed)


def write_marks(
    store: Store, marks: Iterable[Mark], meta: dict[str, Any], summary: dict[str, Any]
) -> int:
    """Store contamination marks as a new, finished ``contamination`` run; returns its id."""
    from curate.store import CheckResult

    rows = [CheckResult(m.record_id, CODES[m.reason], False, m.similarity, m.source) for m in marks]
    return _write(store, RUN_KIND, meta, summary, lambda run_id: store.put_check_results(run_id, rows))


def _write(
    store: Store, kind: str, meta: dict[str, Any], summary: dict[str, Any], put: Callable[[int], Any]
) -> int:
    """A run of ``kind``: started, filled by ``put``, then finished (failed on any error)."""
    run_id = store.start_run(kind, meta)
    try:
        put(run_id)
    except BaseException:
        store.finish_run(run_id, status="failed")
        raise
    store.finish_run(run_id, {**summary, "run_id": run_id})
    return run_id


def contamination_marks(store: Store, run_id: int | None = None) -> dict[str, Mark]:
    """Record id -> contamination mark, from the latest ``contamination`` run by default."""
    if run_id is None:
        run = store.latest_run(RUN_KIND)
        if run is None:
            return {}
        run_id = run.id
    rows = store.check_rows(run_id)
    return {
        rid: Mark(rid, REASONS[code], float(score if score is not None else 1.0), detail or "")  # type: ignore[arg-type]
        for rid, code, score, detail in rows
        if code in REASONS
    }


def contaminated_ids(store: Store) -> set[str]:
    """Ids of the records the latest contamination run marked (export leaves them out)."""
    return set(contamination_marks(store))
