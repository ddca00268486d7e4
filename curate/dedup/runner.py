"""``curate dedupe`` on a workspace: stream the records, cluster them, store annotations.

Records replaced by an edit are left out (their new version takes part); every other
record, whatever its review state, is compared. Records are read in batches straight from
their stored JSON (parsed with orjson, no model validation: the compare text needs only
roles, contents, tool calls and the label) and only their sketches are kept, so memory
stays bounded for millions of records; texts are read again only for the records in
candidate pairs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from curate.dedup.against import Mark, Reference, counts
from curate.dedup.annotations import write_clusters, write_marks, write_prompt_groups
from curate.dedup.clusters import Cluster, prompt_groups
from curate.dedup.compare import stored_texts
from curate.dedup.engine import Deduper
from curate.dedup.facts import store_facts
from curate.dedup.find import KIND_GROUP, DedupeResult, auto_workers
from curate.dedup.sketch import Params, resolve_settings, sketch_stream
from curate.store.lock import exclusive

if TYPE_CHECKING:
    from curate.store import Store
    from curate.workspace import Workspace

USABLE = ("state!=edited",)
BATCH = 2000
Progress = Callable[[int, int], None]


@dataclass
class Outcome:
    """What a workspace dedupe found and where it was stored."""

    result: DedupeResult
    run_id: int
    reference: Reference | None = None
    marks: dict[str, Mark] = field(default_factory=dict)
    contamination_run: int | None = None

    def to_json(self) -> dict[str, Any]:
        out = {**self.result.to_json(), "run_id": self.run_id}
        if self.reference is not None:
            out["against"] = {
                "run_id": self.contamination_run,
                "files": [f.to_json() for f in self.reference.files],
                "reference_rows": len(self.reference),
                "contaminated": len(self.marks),
                "by_reason": counts(self.marks.values()),
            }
        return out


def _texts(store: Store, rids: Sequence[int], mode: str) -> list[str]:
    """The compare texts of the records with these row keys, in that order."""
    found = store.stored_by_rid(rids)
    return stored_texts([found[r] for r in rids], mode)


def _batches(store: Store, rids: list[int]) -> Iterator[tuple[tuple[list[str], list[int]], list[bytes]]]:
    """``((ids, kind groups), stored JSON)`` per batch of usable records, in insertion
    order; their row keys are appended to ``rids``."""
    for rows in store.stored_pages(list(USABLE), BATCH):
        rids.extend(r[0] for r in rows)
        ids = [r[1] for r in rows]
        groups = [KIND_GROUP.get(r[2], 3) for r in rows]
        yield (ids, groups), [r[3] for r in rows]


@exclusive("curate dedupe")
def dedupe_workspace(
    ws: Workspace,
    *,
    exact_only: bool = False,
    threshold: float | None = None,
    num_perm: int | None = None,
    shingle_size: int | None = None,
    prompt_only: bool = False,
    against: Sequence[str | Path] = (),
    against_format: str | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> Outcome:
    """Cluster the workspace's duplicates (and, with ``against``, mark records found in
    those files) and store the results as new runs. Settings not given come from
    ``curate.toml``'s ``[dedupe]``."""
    start = time.perf_counter()
    settings = resolve_settings(
        ws.settings.dedupe,
        threshold=threshold,
        num_perm=num_perm,
        shingle_size=shingle_size,
        compare="prompt-only" if prompt_only else None,
    )
    params = Params.from_settings(settings, exact_only=exact_only, keep_signatures=bool(against))
    reference = None
    if against:
        reference = Reference(params)
        for path in against:
            reference.add_file(path, against_format)
    store = ws.store
    total = store.count(list(USABLE))
    deduper = Deduper(params)
    rids: list[int] = []
    used = auto_workers(total) if workers is None else workers
    prepare = partial(stored_texts, mode=params.compare)  # in the workers: parse, compare text
    stream = sketch_stream(_batches(store, rids), params, used, prepare)
    for (ids, groups), sketch in stream:
        base = len(deduper)
        deduper.add(ids, np.array(groups, np.uint8), sketch)
        if reference is not None:
            reference.look_up(sketch, base)
        if progress is not None:
            progress(len(deduper), total)

    def fetch(idx: np.ndarray) -> list[str]:
        return _texts(store, [rids[i] for i in idx.tolist()], params.compare)

    matches = deduper.match(fetch)

    def facts(idx: list[int]) -> dict[int, Any]:
        known = store_facts(store, [deduper.ids[i] for i in idx])
        return {i: known[deduper.ids[i]] for i in idx}

    clusters: list[Cluster] = matches.clusters(facts)
    result = DedupeResult(
        records=len(deduper),
        compared=matches.compared,
        clusters=clusters,
        params=params,
        candidates=matches.candidates,
        same_prompt=prompt_groups(matches.same_prompt(), deduper.ids),
    )
    meta = {"settings": params.describe()}
    result.seconds = time.perf_counter() - start
    keys = dict(zip(deduper.ids, rids, strict=True))
    run_id = write_clusters(store, clusters, meta, result.to_json(), keys)
    write_prompt_groups(store, result.same_prompt, {**meta, "dedupe_run": run_id}, keys)
    outcome = Outcome(result, run_id, reference)
    if reference is not None:
        marks = reference.marks(deduper.ids, fetch)
        outcome.marks = {m.record_id: m for m in marks.values()}
        summary = {"contaminated": len(marks), "by_reason": counts(marks.values())}
        files = [f.to_json() for f in reference.files]
        outcome.contamination_run = write_marks(
            store, outcome.marks.values(), {**meta, "against": files}, summary
        )
    result.seconds = time.perf_counter() - start
    return outcome
