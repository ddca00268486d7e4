"""What split and export need to know about every stored record, read in a few bulk queries.

One :class:`Fact` per record (kind, origin, review state, split, parent, one tag) plus the
annotations of the latest finished runs: duplicate clusters (``dedupe``), groups of records
sharing a prompt (``same_prompt``, written with each dedupe), failed checks and
scores (``checks``) and contamination marks (``contamination``, see ``curate.dedup``). Reading the store's tables in bulk keeps a split
or an export of a million records to a handful of queries.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from curate.store.runs import latest_run_id

if TYPE_CHECKING:
    from curate.store import Store


@dataclass(slots=True)
class Fact:
    """One stored record, as split and export see it."""

    rid: int
    id: str
    kind: str
    origin: str
    state: str
    parent_id: str | None
    split: str | None
    tag: str | None = None


@dataclass
class Cluster:
    """A duplicate cluster of the latest dedupe run: its members and its representative."""

    id: str
    members: list[str] = field(default_factory=list)
    representative: str | None = None


@dataclass
class Checks:
    """The latest finished check run: failed codes and scores per record id."""

    run_id: int | None
    summary: dict[str, Any]
    checked: set[str]
    failed: dict[str, list[str]]
    scores: dict[str, float]


def load_facts(store: Store, tag: str | None = None) -> list[Fact]:
    """Every stored record in insertion order, with ``tag``'s value when a tag is asked for."""
    db = store.db
    rows = db.read(
        "SELECT r.rid, r.id, r.kind, r.origin, coalesce(s.state, 'pending'), r.parent_id, p.split"
        " FROM records r LEFT JOIN review_state s ON s.rid = r.rid"
        " LEFT JOIN splits p ON p.rid = r.rid ORDER BY r.rid"
    )
    facts = [Fact(*row) for row in rows]
    if tag:
        values = dict(db.read("SELECT rid, value FROM record_tags WHERE key = ?", (tag,)))
        for f in facts:
            f.tag = values.get(f.rid)
    return facts


def load_clusters(store: Store) -> tuple[int | None, dict[str, Cluster]]:
    """The latest dedupe run's clusters by cluster id (members in id order)."""
    db = store.db
    run_id = latest_run_id(db, "dedupe")
    if run_id is None:
        return None, {}
    clusters: dict[str, Cluster] = {}
    for record_id, cluster_id, rep in db.read(
        "SELECT r.id, d.cluster_id, d.representative FROM dup_clusters d"
        " JOIN records r ON r.rid = d.rid WHERE d.run_id = ? ORDER BY d.cluster_id, r.id",
        (run_id,),
    ):
        c = clusters.setdefault(str(cluster_id), Cluster(str(cluster_id)))
        c.members.append(record_id)
        if rep and c.representative is None:
            c.representative = record_id
    return run_id, clusters


def load_prompt_groups(store: Store) -> dict[str, list[str]]:
    """The latest ``same_prompt`` run's groups (records that share a prompt without being
    duplicates, such as a prompt's preference pairs): group id -> member ids in id order."""
    db = store.db
    run_id = latest_run_id(db, "same_prompt")
    if run_id is None:
        return {}
    groups: dict[str, list[str]] = {}
    for record_id, group_id in db.read(
        "SELECT r.id, d.cluster_id FROM dup_clusters d"
        " JOIN records r ON r.rid = d.rid WHERE d.run_id = ? ORDER BY d.cluster_id, r.id",
        (run_id,),
    ):
        groups.setdefault(str(group_id), []).append(record_id)
    return groups


def load_checks(store: Store) -> Checks:
    """The latest finished check run: which records it checked, failed and scored."""
    import orjson

    db = store.db
    run_id = latest_run_id(db, "checks")
    if run_id is None:
        return Checks(None, {}, set(), {}, {})
    meta_row = db.read_one("SELECT meta FROM runs WHERE id = ?", (run_id,))
    meta = orjson.loads(meta_row[0]) if meta_row else {}
    checked: set[str] = set()
    failed: dict[str, list[str]] = defaultdict(list)
    scores: dict[str, float] = {}
    for record_id, code, passed, score in db.read(
        "SELECT r.id, c.check_code, c.passed, c.score FROM check_results c"
        " JOIN records r ON r.rid = c.rid WHERE c.run_id = ? ORDER BY r.rid, c.check_code",
        (run_id,),
    ):
        checked.add(record_id)
        if not passed:
            failed[record_id].append(code)
        if score is not None:
            scores[record_id] = min(scores.get(record_id, float(score)), float(score))
    return Checks(run_id, meta.get("summary") or {}, checked, dict(failed), scores)


def load_contaminated(store: Store) -> set[str]:
    """Ids of the records the latest ``curate dedupe --against`` run marked as duplicating an
    outside dataset (an evaluation benchmark)."""
    from curate.dedup import contaminated_ids

    return set(contaminated_ids(store))
