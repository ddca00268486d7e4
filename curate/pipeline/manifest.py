"""The pipeline's output folder: Parquet shards, rejects, the export files and manifest.json.

Both engines hand the writer the same final rows in the same order (input file, then
line), so their outputs agree file for file. The folder is written next to ``--out`` and
swapped in; an existing ``--out`` is replaced only when it is a finished pipeline output
(curate's export ownership rule, :mod:`curate.export.owned`, plus ``"kind": "pipeline"``).
"""

from __future__ import annotations

import os
import shutil
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from curate.errors import RowError, UsageError
from curate.export.manifest import sha256_file
from curate.export.owned import MANIFEST, TOOL, check_owned, clean_leftovers, write_marker
from curate.export.targets import get_target
from curate.pipeline.plan import SHARD_ROWS, PipelinePlan
from curate.pipeline.stages import REJECT_COLUMNS, Batch, parse_record
from curate.split.ratios import SPLITS

KIND = "pipeline"
OUT_SCHEMA = pa.schema([
    ("id", pa.string()), ("kind", pa.string()), ("shard", pa.string()), ("line", pa.int64()),
    ("record", pa.string()), ("findings", pa.string()), ("failed", pa.list_(pa.string())),
    ("errors", pa.bool_()), ("cluster", pa.string()), ("representative", pa.bool_()),
    ("split", pa.string()),
])
OUT_COLUMNS = tuple(OUT_SCHEMA.names)
REJECT_FILE = "rejects.parquet"


def check_out(out: Path) -> None:
    """Refuse ``out`` unless it is absent, empty or a finished pipeline output curate wrote."""
    clean_leftovers(out)
    check_owned(out)
    if out.is_dir() and any(out.iterdir()):
        manifest = orjson.loads((out / MANIFEST).read_bytes())
        if manifest.get("kind") != KIND or not manifest.get("finished"):
            raise UsageError(
                f"The folder '{out}' holds a curate export that is no pipeline output; "
                "nothing was written or removed.",
                "Pick another folder with --out.",
            )


class OutputWriter:
    """Writes a run into a hidden folder beside ``out``; :meth:`finish` swaps it in."""

    def __init__(self, plan: PipelinePlan) -> None:
        self.plan = plan
        out = plan.out
        out.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
        shutil.rmtree(self.tmp, ignore_errors=True)
        self.tmp.mkdir()
        write_marker(self.tmp, out)
        self.target = get_target(plan.target)
        self.layouts: dict[str, Any] = {}
        self.shards: list[str] = []
        self._rows: list[pa.Table] = []
        self._pending = 0
        self.exports: dict[str, Any] = {}
        self.counts: Counter[str] = Counter()
        self.failed: Counter[str] = Counter()
        self.splits: Counter[str] = Counter()
        self.kinds: Counter[str] = Counter()
        self.export_counts: Counter[str] = Counter()
        self.left_out: Counter[str] = Counter()

    # records ---------------------------------------------------------------------------
    def add(self, batch: Batch) -> None:
        """Append final record rows (in order): Parquet, export rows and the aggregates."""
        table = pa.table({k: batch[k] for k in OUT_COLUMNS}, schema=OUT_SCHEMA)
        self._rows.append(table)
        self._pending += table.num_rows
        if self._pending >= SHARD_ROWS:
            self._flush()
        self._aggregate(batch)
        self._export(batch)

    def _aggregate(self, batch: Batch) -> None:
        n = len(batch["id"])
        self.counts["records"] += n
        self.counts["error_records"] += sum(batch["errors"])
        self.counts["failed_records"] += sum(1 for f in batch["failed"] if f)
        self.counts["clustered"] += sum(1 for c in batch["cluster"] if c)
        self.counts["duplicates"] += sum(
            1 for c, r in zip(batch["cluster"], batch["representative"], strict=True) if c and not r
        )
        for codes in batch["failed"]:
            self.failed.update(codes)
        self.splits.update(batch["split"])
        self.kinds.update(batch["kind"])

    def _export(self, batch: Batch) -> None:
        target = self.target
        for i, text in enumerate(batch["record"]):
            if batch["cluster"][i] and not batch["representative"][i]:
                self.left_out["duplicate"] += 1
                continue
            if batch["errors"][i]:
                self.left_out["check_error"] += 1
                continue
            kind = batch["kind"][i]
            if kind not in target.kinds:
                self.left_out["kind_not_in_target"] += 1
                continue
            record = parse_record(text)
            layout = self.layouts.get(kind) or self.layouts.setdefault(kind, target.layout([record], kind))
            try:
                row = target.render(record, layout)
            except RowError as exc:
                self.left_out[exc.code] += 1
                continue
            split = batch["split"][i]
            fh = self.exports.get(split)
            if fh is None:
                fh = self.exports[split] = open(self.tmp / f"{split}.jsonl", "wb")  # noqa: SIM115
            fh.write(orjson.dumps(row) + b"\n")
            self.export_counts[split] += 1

    def _flush(self) -> None:
        if not self._rows:
            return
        name = f"records-{len(self.shards):05d}.parquet"
        # one chunk per column: the file's bytes never depend on how batches arrived
        pq.write_table(pa.concat_tables(self._rows).combine_chunks(), self.tmp / name)
        self.shards.append(name)
        self._rows, self._pending = [], 0

    # finish ----------------------------------------------------------------------------
    def finish(
        self, rejects: Iterable[Batch], shard_counts: dict[str, dict[str, int]], info: dict[str, Any]
    ) -> dict[str, Any]:
        """Write rejects and manifest.json, then swap the folder in; returns the manifest."""
        self._flush()
        for fh in self.exports.values():
            fh.close()
        tables = [pa.table({k: b[k] for k in REJECT_COLUMNS}) for b in rejects if b["code"]]
        reject_codes: Counter[str] = Counter()
        for t in tables:
            reject_codes.update(t.column("code").to_pylist())
        schema = pa.schema([("shard", pa.string()), ("line", pa.int64()), ("code", pa.string()),
                            ("message", pa.string()), ("raw", pa.string())])
        table = pa.concat_tables([t.cast(schema) for t in tables]) if tables else schema.empty_table()
        pq.write_table(table, self.tmp / REJECT_FILE)
        files = [*self.shards, REJECT_FILE, *sorted(f"{s}.jsonl" for s in self.exports)]
        read = sum(c["read"] for c in shard_counts.values())
        manifest = {
            "tool": TOOL,
            "kind": KIND,
            "finished": True,
            "engine": self.plan.engine,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "inputs": list(shard_counts),
            "settings": self.plan.describe(),
            "counts": {
                "read": read,
                "records": self.counts["records"],
                "rejected": table.num_rows,
                "failed_records": self.counts["failed_records"],
                "error_records": self.counts["error_records"],
                "clustered": self.counts["clustered"],
                "duplicates": self.counts["duplicates"],
                "clusters": info.get("clusters", 0),
                "exported": sum(self.export_counts.values()),
            },
            "shards": shard_counts,
            "kinds": dict(sorted(self.kinds.items())),
            "splits": {s: self.splits.get(s, 0) for s in SPLITS},
            "exported": {s: self.export_counts.get(s, 0) for s in SPLITS},
            "left_out": dict(sorted(self.left_out.items())),
            "checks": dict(sorted(self.failed.items(), key=lambda kv: (-kv[1], kv[0]))),
            "rejects": dict(sorted(reject_codes.items())),
            "timings": info.get("timings", {}),
            "other_files": {
                name: {"sha256": sha256_file(self.tmp / name), "bytes": (self.tmp / name).stat().st_size}
                for name in files
            },
        }
        if read != manifest["counts"]["records"] + manifest["counts"]["rejected"]:
            raise RuntimeError("rows read do not balance records + rejects")
        (self.tmp / MANIFEST).write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
        (self.tmp / ".curate-export-owner").unlink(missing_ok=True)
        self._swap()
        return manifest

    def _swap(self) -> None:
        out = self.plan.out
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        if out.exists():
            check_out(out)
            os.replace(out, old)
        os.replace(self.tmp, out)
        shutil.rmtree(old, ignore_errors=True)

    def abort(self) -> None:
        for fh in self.exports.values():
            fh.close()
        shutil.rmtree(self.tmp, ignore_errors=True)
