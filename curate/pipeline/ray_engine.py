"""The Ray Data engine: the same batch stages as the local engine, on Ray workers.

Parsing, checks and sketches are ``map_batches`` of :mod:`curate.pipeline.stages`. Exact
groups and LSH buckets are groupbys (on the exact key, and on the band keys); candidate
pairs are joined with their texts and verified by exact Jaccard; connected components are
found by min-label propagation over the verified edges (two groupbys a round, until no
label changes), never on the driver. The representative rule runs per cluster in a
groupby. The driver holds one (unit, stratum) per split unit to deal splits, then streams
the final rows, in input order, to the same writer the local engine uses.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pyarrow as pa

from curate.errors import CurateError, MissingDependency, UsageError
from curate.pipeline.manifest import OutputWriter, check_out
from curate.pipeline.plan import PipelinePlan
from curate.pipeline.split import assign_splits
from curate.pipeline.stages import (
    REJECT_COLUMNS,
    Batch,
    bucket_edges,
    check_rows,
    expand_inputs,
    read_shard,
    rep_key,
    similar,
    sketch_rows,
    verify_pairs,
)

Progress = Callable[[str, int, int | None], None]
SHIFT = 32  # a row's position: input file number << SHIFT | row number
MAX_ROUNDS = 64


def _ray() -> Any:
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError as exc:
        raise MissingDependency("ray[data]", "ray") from exc
    return ray


def start(address: str | None) -> bool:
    """Join the cluster at ``address``, or start a local Ray on two CPUs; True if started here."""
    ray = _ray()
    if ray.is_initialized():
        return False
    try:
        if address:
            ray.init(address=address, include_dashboard=False, log_to_driver=False)
        else:
            ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise UsageError(f"Cannot reach the Ray cluster at '{address}' ({exc}).",
                         "Check --address (ray://HOST:10001 or HOST:6379).") from None
    return True


# stage functions (module level: Ray pickles them to its workers) -------------------------
def _parse_files(batch: dict[str, Any], fmt: str | None) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {k: [] for k in (
        "pos", "shard_index", "shard", "line", "status", "id", "kind", "record",
        "code", "message", "raw")}
    for index, path in zip(batch["shard_index"].tolist(), batch["path"].tolist(), strict=True):
        records, rejects = read_shard(path, fmt)
        n = len(records["id"])
        for k in ("id", "kind", "record"):
            out[k].extend(records[k])
        out["line"].extend(records["line"])
        out["status"].extend(["record"] * n)
        for k in ("code", "message", "raw"):
            out[k].extend([None] * n)
        r = len(rejects["code"])
        for k in ("code", "message", "raw"):
            out[k].extend(rejects[k])
        out["line"].extend(rejects["line"])
        out["status"].extend(["reject"] * r)
        for k in ("id", "kind", "record"):
            out[k].extend([None] * r)
        out["shard_index"].extend([index] * (n + r))
        out["shard"].extend([path] * (n + r))
        out["pos"].extend((index << SHIFT) | max(0, line or 0) for line in out["line"][-(n + r):])
    return out


def _pylist(batch: pa.Table) -> Batch:
    return batch.to_pydict()


def _check(batch: pa.Table, rubric: str) -> pa.Table:
    out = pa.Table.from_pydict(check_rows(_pylist(batch), rubric))
    i = out.schema.get_field_index("failed")
    return out.set_column(i, "failed", out["failed"].cast(pa.list_(pa.string())))


def _sketch(batch: pa.Table, params: Any, tag: str | None) -> pa.Table:
    out = sketch_rows(_pylist(batch), params, tag)
    out["usable"] = [not e for e in out["empty"]]
    return pa.Table.from_pydict(out)


def _exact_groups(rows: pa.Table) -> pa.Table:
    """One exact group: edges from its leader (first by id order, then position) to the rest;
    the leader row carries its band keys on to the LSH stage (b = -1)."""
    g = rows.to_pydict()
    members = sorted(range(len(g["pos"])), key=lambda i: (g["order"][i], g["pos"][i]))
    lead = members[0]
    out: dict[str, list[Any]] = {"a": [], "b": [], "group": [], "order": [], "bands": []}
    out["a"].append(g["pos"][lead])
    out["b"].append(-1)
    out["group"].append(g["group"][lead])
    out["order"].append(g["order"][lead])
    out["bands"].append(g["bands"][lead])
    for i in members[1:]:
        out["a"].append(g["pos"][lead])
        out["b"].append(g["pos"][i])
        out["group"].append(g["group"][i])
        out["order"].append(g["order"][i])
        out["bands"].append([])
    return pa.Table.from_pydict(out, schema=pa.schema([
        ("a", pa.int64()), ("b", pa.int64()), ("group", pa.int64()), ("order", pa.string()),
        ("bands", pa.list_(pa.int64()))]))


def _band_rows(row: dict[str, Any]) -> list[dict[str, Any]]:
    group, pos, order = row["group"], row["a"], row["order"]
    return [
        {"key": f"{group}:{b}:{key}", "pos": pos, "order": order}
        for b, key in enumerate(row["bands"])
    ]


_PAIR = pa.schema([("a", pa.int64()), ("b", pa.int64())])


def _bucket(rows: pa.Table) -> pa.Table:
    if rows.num_rows < 2:
        return _PAIR.empty_table()
    g = rows.to_pydict()
    pairs = bucket_edges(g["pos"], g["order"])
    return pa.Table.from_pydict({"a": [p[0] for p in pairs], "b": [p[1] for p in pairs]}, schema=_PAIR)


def _verify(batch: pa.Table, params: Any) -> pa.Table:
    g = batch.to_pydict()
    sims = verify_pairs(g["text_a"], g["text_b"], params)
    keep = [similar(s, params) for s in sims]
    return pa.Table.from_pydict(
        {"a": [a for a, k in zip(g["a"], keep, strict=True) if k],
         "b": [b for b, k in zip(g["b"], keep, strict=True) if k]}, schema=_PAIR)


_MSG = pa.schema([("node", pa.int64()), ("label", pa.int64()), ("self", pa.bool_())])


def _send(rows: pa.Table) -> pa.Table:
    """One node's label to each neighbour (and to itself, marked ``self``)."""
    g = rows.to_pydict()
    label = min(lab for lab, o in zip(g["label"], g["other"], strict=True) if o < 0)
    node = g["node"][0]
    others = [o for o in g["other"] if o >= 0]
    return pa.Table.from_pydict(
        {"node": [*others, node], "label": [label] * (len(others) + 1),
         "self": [False] * len(others) + [True]}, schema=_MSG)


def _take_min(rows: pa.Table) -> pa.Table:
    g = rows.to_pydict()
    own = min(lab for lab, s in zip(g["label"], g["self"], strict=True) if s)
    new = min(g["label"])
    return pa.Table.from_pydict({"node": [g["node"][0]], "label": [new], "changed": [int(new < own)]})


def _cluster(rows: pa.Table) -> pa.Table:
    """One component: its id (smallest record id) and representative (the rule, then position)."""
    g = rows.to_pydict()
    n = len(g["pos"])
    facts = [{k: g[k][i] for k in ("id", "origin", "quality", "created")} for i in range(n)]
    rep = min(range(n), key=lambda i: (rep_key(facts[i]), g["pos"][i]))
    return pa.Table.from_pydict({
        "pos": g["pos"], "cluster": [min(g["id"])] * n,
        "representative": [i == rep for i in range(n)],
    }, schema=pa.schema([("pos", pa.int64()), ("cluster", pa.string()), ("representative", pa.bool_())]))


def _add_split(batch: pa.Table, split_of: Any) -> pa.Table:
    if not isinstance(split_of, dict):  # an ObjectRef: the table is fetched once per worker
        import ray

        split_of = ray.get(split_of)
    g = batch.to_pydict()
    g["split"] = [split_of[c or i] for c, i in zip(g["cluster"], g["id"], strict=True)]
    g["representative"] = [bool(r) for r in g["representative"]]
    return pa.Table.from_pydict(g)


def _unit_row(row: dict[str, Any]) -> bool:
    return row["cluster"] is None or bool(row["representative"])


def _no_cluster(t: pa.Table) -> pa.Table:
    t = t.append_column("cluster", pa.array([None] * t.num_rows, pa.string()))
    return t.append_column("representative", pa.array([False] * t.num_rows, pa.bool_()))


def _labelled(t: pa.Table) -> pa.Table:
    return pa.table({"node": t["node"], "label": t["label"],
                     "other": pa.array([-1] * t.num_rows, pa.int64())})


def _components(rd: Any, edges: Any, say: Progress) -> tuple[Any, int]:
    """Connected components of the edge list by min-label propagation: every node starts
    with its own position as label and takes the smallest label among itself and its
    neighbours, a round at a time, until no label changes."""
    both = edges.union(edges.select_columns(["b", "a"]).rename_columns({"b": "a", "a": "b"}))
    links = both.map_batches(
        lambda t: pa.table({"node": t["a"], "label": pa.array([1 << 62] * t.num_rows, pa.int64()),
                            "other": t["b"]}), batch_format="pyarrow").materialize()
    labels = links.groupby("node").aggregate(rd.aggregate.Min("node", alias_name="label")) \
        .map_batches(_labelled, batch_format="pyarrow").materialize()
    rounds = 0
    while rounds < MAX_ROUNDS:
        rounds += 1
        sent = labels.union(links).groupby("node").map_groups(_send, batch_format="pyarrow")
        new = sent.groupby("node").map_groups(_take_min, batch_format="pyarrow").materialize()
        changed = new.sum("changed") or 0
        labels = new.map_batches(_labelled, batch_format="pyarrow").materialize()
        say("components", rounds, None)
        if not changed:
            break
    return labels, rounds


# the run -----------------------------------------------------------------------------
def run_ray(plan: PipelinePlan, progress: Progress | None = None) -> dict[str, Any]:
    """Run the pipeline on Ray Data; returns the manifest (the same as the local engine's)."""
    say = progress or (lambda stage, done, total: None)
    check_out(plan.out)
    files = expand_inputs(plan.inputs)
    ray = _ray()
    started = start(plan.address)
    writer = OutputWriter(plan)
    timings: Counter[str] = Counter()
    try:
        manifest = _run(ray, plan, files, writer, timings, say)
    except BaseException as exc:
        writer.abort()
        if isinstance(exc, CurateError | KeyboardInterrupt):
            raise
        raise CurateError(f"The Ray run failed: {type(exc).__name__}: {str(exc)[:300]}") from exc
    finally:
        if started:
            ray.shutdown()
    return manifest


def _run(ray: Any, plan: PipelinePlan, files: list[str], writer: OutputWriter,
         timings: Counter[str], say: Progress) -> dict[str, Any]:
    rd = ray.data
    ctx = rd.DataContext.get_current()
    ctx.enable_progress_bars = False
    ctx.print_on_execution_start = False
    params = plan.params
    cpus = int(ray.cluster_resources().get("CPU", 2))
    parts = max(2, min(64, 2 * cpus))
    ctx.default_hash_shuffle_parallelism = parts
    t0 = time.perf_counter()
    items = [{"shard_index": i, "path": p} for i, p in enumerate(files)]
    parsed = rd.from_items(items, override_num_blocks=len(files)).map_batches(
        _parse_files, batch_size=1, fn_kwargs={"fmt": plan.fmt}).materialize()
    counts_rows = parsed.groupby(["shard_index", "status"]).count().take_all()
    shard_counts = {p: {"read": 0, "records": 0, "rejected": 0} for p in files}
    for row in counts_rows:
        c = shard_counts[files[row["shard_index"]]]
        c["read"] += row["count()"]
        c["records" if row["status"] == "record" else "rejected"] += row["count()"]
    timings["read"] += time.perf_counter() - t0
    say("read", len(files), len(files))

    t0 = time.perf_counter()
    records = parsed.filter(expr="status == 'record'").select_columns(
        ["pos", "id", "kind", "shard", "line", "record"])
    sk = (records.map_batches(_check, batch_size=plan.batch, batch_format="pyarrow",
                              fn_kwargs={"rubric": plan.rubric})
          .map_batches(_sketch, batch_size=plan.batch, batch_format="pyarrow",
                       fn_kwargs={"params": params, "tag": plan.settings.split.stratify_by})
          .materialize())
    timings["checks+sketch"] += time.perf_counter() - t0
    say("checks", 1, 1)

    t0 = time.perf_counter()
    grouped = (sk.filter(expr="usable").select_columns(["pos", "group", "exact", "order", "bands"])
               .groupby(["group", "exact"]).map_groups(_exact_groups, batch_format="pyarrow")
               .materialize())
    exact_edges = grouped.filter(expr="b >= 0").select_columns(["a", "b"])
    edges = exact_edges
    if not params.exact_only:
        heads = grouped.filter(expr="b < 0")
        candidates = (heads.flat_map(_band_rows).groupby("key")
                      .map_groups(_bucket, batch_format="pyarrow")
                      .groupby(["a", "b"]).count().select_columns(["a", "b"]))
        texts = sk.select_columns(["pos", "text"])
        texts_a = texts.rename_columns({"pos": "a", "text": "text_a"})
        texts_b = texts.rename_columns({"pos": "b", "text": "text_b"})
        with_a = candidates.join(texts_a, "inner", parts, on=("a",))
        with_b = with_a.join(texts_b, "inner", parts, on=("b",))
        near = with_b.select_columns(["a", "b", "text_a", "text_b"]).map_batches(
            _verify, batch_format="pyarrow", fn_kwargs={"params": params})
        edges = exact_edges.union(near)
    edges = edges.materialize()
    timings["candidates+verify"] += time.perf_counter() - t0

    keep = ["pos", "id", "kind", "shard", "line", "record", "findings", "failed", "errors", "stratum"]
    if edges.count():
        labels, rounds = _components(rd, edges, say)
        timings["component_rounds"] = rounds
        timings["components"] += time.perf_counter() - t0
        t0 = time.perf_counter()
        facts = sk.select_columns(["pos", "id", "origin", "quality", "created", "stratum"])
        members = labels.select_columns(["node", "label"]).rename_columns({"node": "pos"}).join(
            facts, "inner", parts, on=("pos",))
        clustered = members.groupby("label").map_groups(_cluster, batch_format="pyarrow").materialize()
        n_clusters = clustered.filter(expr="representative").count()
        final = sk.select_columns(keep).join(clustered, "left_outer", parts, on=("pos",)).materialize()
    else:
        n_clusters = 0
        final = sk.select_columns(keep).map_batches(_no_cluster, batch_format="pyarrow").materialize()
    timings["cluster"] += time.perf_counter() - t0

    t0 = time.perf_counter()
    units: dict[str, str] = {}
    unit_rows = final.filter(_unit_row).select_columns(
        ["pos", "id", "cluster", "stratum"]).sort("pos")
    for batch in unit_rows.iter_batches(batch_format="pyarrow", batch_size=65536):
        for rid, cluster, stratum in zip(batch["id"].to_pylist(), batch["cluster"].to_pylist(),
                                         batch["stratum"].to_pylist(), strict=True):
            if cluster is None:
                units.setdefault(rid, stratum)
            else:
                units[cluster] = stratum
    split_of = ray.put(assign_splits(units, plan))
    del units
    timings["split"] += time.perf_counter() - t0

    t0 = time.perf_counter()
    out = final.map_batches(_add_split, batch_format="pyarrow", fn_kwargs={"split_of": split_of}) \
        .sort("pos")
    for batch in out.iter_batches(batch_format="pyarrow", batch_size=plan.batch):
        writer.add(batch.to_pydict())
    rejects = parsed.filter(expr="status == 'reject'").select_columns(
        ["pos", "shard", "line", "code", "message", "raw"]).sort("pos")
    reject_batches = [
        {k: b[k].to_pylist() for k in REJECT_COLUMNS}
        for b in rejects.iter_batches(batch_format="pyarrow", batch_size=65536)
    ]
    timings["write"] += time.perf_counter() - t0
    info = {"clusters": n_clusters, "timings": {k: round(v, 3) for k, v in timings.items()}}
    manifest = writer.finish(reject_batches, shard_counts, info)
    say("write", 1, 1)
    return manifest


__all__ = ["run_ray"]
