"""The in-process engine (the reference): stream shards through the batch stages, cluster
with the deduplicator, split, write.

Memory: the record stages keep one batch at a time; rows wait in a Parquet spool beside the
output, and the deduplicator keeps only each record's sketch. Texts are read back from the
spool (memory-mapped) for candidate pairs only.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from curate.dedup.clusters import Facts
from curate.dedup.engine import Deduper
from curate.dedup.sketch import Sketch
from curate.pipeline.manifest import OutputWriter, check_out
from curate.pipeline.plan import PipelinePlan
from curate.pipeline.split import assign_splits
from curate.pipeline.stages import Batch, check_rows, expand_inputs, read_shard, sketch_rows

Progress = Callable[[str, int, int | None], None]
SPOOL_SCHEMA = pa.schema([
    ("id", pa.string()), ("kind", pa.string()), ("shard", pa.string()), ("line", pa.int64()),
    ("record", pa.string()), ("findings", pa.string()), ("failed", pa.list_(pa.string())),
    ("errors", pa.bool_()), ("text", pa.string()), ("origin", pa.string()),
    ("created", pa.string()), ("quality", pa.float64()), ("stratum", pa.string()),
])
SPOOL_COLUMNS = tuple(SPOOL_SCHEMA.names)


def _slices(batch: Batch, size: int) -> Iterator[Batch]:
    n = len(batch["id"])
    for lo in range(0, n, size):
        yield {k: v[lo : lo + size] for k, v in batch.items()}


def sketch_of(batch: Batch) -> Sketch:
    """The deduplicator's sketch from a sketched batch's columns."""
    exact = np.array([(int(h[:16], 16), int(h[16:], 16)) for h in batch["exact"]], np.uint64)
    bands = np.array(batch["bands"], np.int64).reshape(len(batch["id"]), -1).view(np.uint64)
    return Sketch(exact=exact.reshape(-1, 2), empty=np.array(batch["empty"], bool), bands=bands)


def run_local(plan: PipelinePlan, progress: Progress | None = None) -> dict[str, Any]:
    """Run the pipeline in this process; returns the manifest."""
    say = progress or (lambda stage, done, total: None)
    check_out(plan.out)
    files = expand_inputs(plan.inputs)
    params = plan.params
    tag = plan.settings.split.stratify_by
    writer = OutputWriter(plan)
    timings: Counter[str] = Counter()
    try:
        spool_path = writer.tmp / ".spool.parquet"
        spool: pq.ParquetWriter | None = None
        deduper = Deduper(params)
        shard_counts: dict[str, dict[str, int]] = {}
        rejects: list[Batch] = []
        for i, path in enumerate(files):
            t0 = time.perf_counter()
            records, rej = read_shard(path, plan.fmt)
            timings["read"] += time.perf_counter() - t0
            rejects.append(rej)
            n, r = len(records["id"]), len(rej["code"])
            shard_counts[path] = {"read": n + r, "records": n, "rejected": r}
            for part in _slices(records, plan.batch):
                t0 = time.perf_counter()
                part = check_rows(part, plan.rubric)
                t1 = time.perf_counter()
                part = sketch_rows(part, params, tag)
                t2 = time.perf_counter()
                timings["checks"] += t1 - t0
                timings["sketch"] += t2 - t1
                deduper.add(part["id"], np.array(part["group"], np.uint8), sketch_of(part))
                table = pa.table({k: part[k] for k in SPOOL_COLUMNS}, schema=SPOOL_SCHEMA)
                if spool is None:
                    spool = pq.ParquetWriter(spool_path, SPOOL_SCHEMA)
                spool.write_table(table)
            say("read", i + 1, len(files))
        if spool is not None:
            spool.close()
        t0 = time.perf_counter()
        spooled = pq.read_table(spool_path, memory_map=True) if spool is not None else None
        texts = spooled.column("text") if spooled is not None else pa.chunked_array([], pa.string())
        matches = deduper.match(lambda idx: texts.take(pa.array(idx, pa.int64())).to_pylist())

        def facts(idx: list[int]) -> dict[int, Facts]:
            assert spooled is not None
            cols = {k: spooled.column(k).take(pa.array(idx, pa.int64())).to_pylist()
                    for k in ("id", "origin", "quality", "created")}
            return {
                i: Facts(cols["id"][j], "pending", cols["origin"][j], cols["quality"][j], cols["created"][j])
                for j, i in enumerate(idx)
            }

        clusters = matches.clusters(facts)
        timings["cluster"] += time.perf_counter() - t0
        say("cluster", len(clusters), None)
        cluster_of: dict[int, str] = {}  # by row position: copies share a record id
        reps: set[int] = set()
        for c in clusters:
            reps.add(c.representative.index)
            for m in c.members:
                cluster_of[m.index] = c.id
        t0 = time.perf_counter()
        units = _units(spooled, cluster_of, reps)
        split_of = assign_splits(units, plan)
        timings["split"] += time.perf_counter() - t0
        t0 = time.perf_counter()
        if spooled is not None:
            pos = 0
            for part in spooled.to_batches(plan.batch):
                cols = part.to_pydict()
                rows = range(pos, pos + len(cols["id"]))
                pos += len(rows)
                cols["cluster"] = [cluster_of.get(i) for i in rows]
                cols["representative"] = [i in reps for i in rows]
                cols["split"] = [split_of[cluster_of.get(i, x)] for i, x in zip(rows, cols["id"], strict=True)]
                writer.add(cols)
        (writer.tmp / ".spool.parquet").unlink(missing_ok=True)
        timings["write"] += time.perf_counter() - t0
        info = {"clusters": len(clusters), "timings": {k: round(v, 3) for k, v in timings.items()}}
        manifest = writer.finish(rejects, shard_counts, info)
        say("write", 1, 1)
        return manifest
    except BaseException:
        writer.abort()
        raise


def _units(spooled: pa.Table | None, cluster_of: dict[int, str], reps: set[int]) -> dict[str, str]:
    """Split units: cluster id or record id -> stratum (a cluster's is its representative's)."""
    if spooled is None:
        return {}
    units: dict[str, str] = {}
    ids = spooled.column("id").to_pylist()
    strata = spooled.column("stratum").to_pylist()
    for i, (rid, stratum) in enumerate(zip(ids, strata, strict=True)):
        cluster = cluster_of.get(i)
        if cluster is None:
            units.setdefault(rid, stratum)
        elif i in reps:
            units[cluster] = stratum
    return units
