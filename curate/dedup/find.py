"""Duplicates among plain lists of records or texts, without a workspace.

>>> from curate.records import Message, Record
>>> def chat(q, a):
...     return Record(messages=[Message(role="user", content=q), Message(role="assistant", content=a)])
>>> result = find_duplicates([chat("What is Kafka?", "A log."), chat("what is  KAFKA", "A log!"),
...                           chat("Define Spark.", "An engine.")])
>>> result.to_json()["clusters"], result.duplicates, result.kept
(1, 1, 2)
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from curate.dedup.clusters import Cluster, Facts, PromptGroup, prompt_groups
from curate.dedup.compare import compare_text
from curate.dedup.engine import Deduper, Index, Matches
from curate.dedup.sketch import Params, sketch_stream
from curate.records import Record
from curate.settings import DedupeSettings

KIND_GROUP = {"sft": 0, "preference": 1, "unpaired": 2}
BATCH = 2000  # records per sketch batch
POOL_MIN = 20_000  # fewer records than this are sketched in-process (a pool costs more)


def auto_workers(n: int) -> int:
    """Processes for ``n`` records: one for small inputs, else one per core up to four."""
    return 1 if n < POOL_MIN else max(1, min(os.cpu_count() or 1, 4))


@dataclass
class DedupeResult:
    """Clusters of duplicates among ``records`` records (``compared`` had text to compare)."""

    records: int
    compared: int
    clusters: list[Cluster]
    params: Params
    candidates: int = 0
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)
    same_prompt: list[PromptGroup] = field(default_factory=list)

    @property
    def duplicates(self) -> int:
        """Records that are not their cluster's representative."""
        return sum(len(c.members) - 1 for c in self.clusters)

    @property
    def kept(self) -> int:
        return self.records - self.duplicates

    @property
    def exact(self) -> int:
        return sum(m.match == "exact" for c in self.clusters for m in c.duplicates)

    @property
    def near(self) -> int:
        return self.duplicates - self.exact

    def cluster_of(self) -> dict[str, str]:
        """Record id -> cluster id, for every clustered record."""
        return {m.record_id: c.id for c in self.clusters for m in c.members}

    def to_json(self, clusters: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "records": self.records,
            "compared": self.compared,
            "clusters": len(self.clusters),
            "duplicates": self.duplicates,
            "kept": self.kept,
            "exact": self.exact,
            "near": self.near,
            "candidate_pairs": self.candidates,
            "same_prompt": {
                "groups": len(self.same_prompt),
                "records": sum(len(g.members) for g in self.same_prompt),
            },
            "settings": self.params.describe(),
            "seconds": round(self.seconds, 3),
            **self.extra,
        }
        if clusters:
            out["cluster_list"] = [c.to_json() for c in self.clusters]
            out["same_prompt_list"] = [g.to_json() for g in self.same_prompt]
        return out

    def same_prompt_of(self) -> dict[str, str]:
        """Record id -> same_prompt group id, for every record in such a group."""
        return {m: g.id for g in self.same_prompt for m in g.members}


def record_facts(
    record: Record, states: Mapping[str, str] | None, quality: Mapping[str, float | None] | None
) -> Facts:
    """What the representative rule knows about a record outside a workspace: its review
    state and quality score from the given maps, origin and earliest time from provenance."""
    prov = record.provenance
    times = [t for t in (prov.created_at, prov.imported_at) if t]
    return Facts(
        id=record.id,
        state=(states or {}).get(record.id, "pending"),
        origin=prov.origin,
        quality=(quality or {}).get(record.id),
        created=min(times) if times else None,
    )


def dedupe_texts(
    ids: Sequence[str],
    texts: Sequence[str],
    params: Params,
    *,
    groups: Sequence[int] | None = None,
    facts: Callable[[list[int]], dict[int, Facts]] | None = None,
    workers: int | None = None,
    index: Index = "bands",
) -> tuple[Matches, list[Cluster]]:
    """Match and cluster in-memory texts (``ids[i]`` names ``texts[i]``)."""
    group_arr = np.zeros(len(ids), np.uint8) if groups is None else np.asarray(groups, np.uint8)
    deduper = Deduper(params, index)
    batches = ((lo, texts[lo : lo + BATCH]) for lo in range(0, len(texts), BATCH))
    workers = auto_workers(len(texts)) if workers is None else workers
    for lo, sketch in sketch_stream(batches, deduper.params, workers):
        hi = lo + len(sketch.exact)
        deduper.add(ids[lo:hi], group_arr[lo:hi], sketch)
    matches = deduper.match(lambda idx: [texts[i] for i in idx])
    facts = facts or (lambda idx: {i: Facts(ids[i]) for i in idx})
    return matches, matches.clusters(facts)


def find_duplicates(
    records: Sequence[Record],
    settings: DedupeSettings | None = None,
    *,
    exact_only: bool = False,
    states: Mapping[str, str] | None = None,
    quality: Mapping[str, float | None] | None = None,
    workers: int | None = None,
    index: Index = "bands",
) -> DedupeResult:
    """Clusters of exact and near duplicates among ``records``; nothing is removed.

    Records of different kinds are never duplicates; records sharing a prompt but not
    their answers are reported as ``same_prompt`` groups. ``states`` (record id -> review
    state) and ``quality`` (record id -> score) feed the representative rule; without them
    every record counts as pending and unscored. ``Member.index`` is the position in
    ``records``.
    """
    start = time.perf_counter()
    params = Params.from_settings(settings, exact_only=exact_only)
    texts = [compare_text(r, params.compare) for r in records]  # type: ignore[arg-type]
    ids = [r.id for r in records]
    groups = [KIND_GROUP.get(r.kind, 3) for r in records]
    matches, clusters = dedupe_texts(
        ids,
        texts,
        params,
        groups=groups,
        facts=lambda idx: {i: record_facts(records[i], states, quality) for i in idx},
        workers=workers,
        index=index,
    )
    return DedupeResult(
        records=len(records),
        compared=matches.compared,
        clusters=clusters,
        params=params,
        candidates=matches.candidates,
        seconds=time.perf_counter() - start,
        same_prompt=prompt_groups(matches.same_prompt(), ids),
    )
