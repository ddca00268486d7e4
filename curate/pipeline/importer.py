"""``curate pipeline import DIR``: a pipeline output into the workspace, annotations kept.

Records and rejects are stored as an import of the folder; the records' check results
become a ``checks`` run, their clusters a ``dedupe`` run and their splits the workspace's
split (test frozen), so the flagged part can be reviewed in the TUI as after `curate
validate`, `curate dedupe` and `curate split`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pyarrow.parquet as pq

from curate.errors import UsageError
from curate.export.owned import MANIFEST
from curate.pipeline.manifest import KIND, REJECT_FILE
from curate.pipeline.stages import parse_record
from curate.records import Reject
from curate.store.annotations import CheckResult, ClusterMember

BATCH = 5000


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of a finished pipeline output, or a UsageError saying what the folder is."""
    try:
        manifest = orjson.loads((folder / MANIFEST).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        raise UsageError(f"'{folder}' holds no readable manifest.json.",
                         "Give a folder written by `curate pipeline run`.") from None
    if manifest.get("kind") != KIND or not manifest.get("finished"):
        raise UsageError(f"'{folder}' is not a finished pipeline output.",
                         "Give a folder written by `curate pipeline run`.")
    return manifest


def import_output(ws: Any, folder: Path) -> dict[str, Any]:
    """Store the records, rejects, check results, clusters and splits of ``folder``."""
    manifest = read_manifest(folder)
    store = ws.store
    import_id = store.start_import(str(folder), "real", fmt="pipeline")
    added = existing = 0
    checks: list[CheckResult] = []
    members: list[ClusterMember] = []
    splits: dict[str, str] = {}
    seen: set[str] = set()
    shards = [folder / n for n in manifest["other_files"] if n.startswith("records-")]
    for shard in sorted(shards):
        for batch in pq.ParquetFile(shard).iter_batches(BATCH):
            rows = batch.to_pylist()
            result = store.import_records([parse_record(r["record"]) for r in rows], import_id)
            added += result[0]
            existing += result[1] + result[2]
            for r in rows:
                if r["id"] in seen:  # a copy of a record already stored: one annotation
                    continue
                seen.add(r["id"])
                found = orjson.loads(r["findings"])
                if not found:
                    checks.append(CheckResult(r["id"], "checklist", True))
                codes: set[str] = set()
                for f in found:
                    if f["code"] not in codes:
                        codes.add(f["code"])
                        checks.append(CheckResult(r["id"], f["code"], f["passed"], f.get("score"),
                                                  f.get("detail") or None))
                if r["cluster"]:
                    members.append(ClusterMember(r["id"], r["cluster"], r["representative"], None))
                splits[r["id"]] = r["split"]
    rejects = pq.read_table(folder / REJECT_FILE).to_pylist()
    store.add_rejects(
        [Reject.model_construct(source=r["shard"], line=r["line"], code=r["code"],
                                message=r["message"], raw=r["raw"] or "") for r in rejects],
        import_id,
    )
    store.finish_import(import_id)
    meta = {"pipeline": str(folder), "engine": manifest["engine"]}
    run = store.start_run("checks", {**meta, "rubric": manifest["settings"]["rubric"]})
    store.put_check_results(run, checks)
    store.finish_run(run, {"checks": manifest["checks"], "counts": manifest["counts"]})
    run = store.start_run("dedupe", {**meta, "settings": manifest["settings"]["dedupe"]})
    store.put_clusters(run, members)
    store.finish_run(run, {"clusters": manifest["counts"]["clusters"],
                           "duplicates": manifest["counts"]["duplicates"]})
    test = [(rid, s) for rid, s in splits.items() if s == "test"]
    rest = [(rid, s) for rid, s in splits.items() if s != "test"]
    store.put_splits(test, frozen=True)
    store.put_splits(rest, frozen=False)
    return {"added": added, "existing": existing, "rejects": len(rejects),
            "check_results": len(checks), "clustered": len(members), "split": len(splits)}
