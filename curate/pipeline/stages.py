"""The pipeline's stages as functions over batches (column dicts), run in-process or on Ray.

Every stage takes and returns a batch as ``{column: list}`` so the local engine and Ray
Data's ``map_batches`` call the very same code. Records travel as their canonical JSON.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np
import orjson

from curate.checks.base import RecordCheck
from curate.checks.batches import check_batch
from curate.checks.language import LanguageDetector
from curate.checks.profile import ProfileContext
from curate.checks.rubric import Rubric, load_rubric
from curate.checks.runner import all_checks
from curate.dedup.clusters import Facts, representative_key
from curate.dedup.compare import compare_text
from curate.dedup.exact import id_order
from curate.dedup.facts import quality_score
from curate.dedup.find import KIND_GROUP, record_facts
from curate.dedup.lsh import bucket_pairs
from curate.dedup.minhash import jaccard
from curate.dedup.sketch import Params, sketch_texts, texts_shingles
from curate.errors import UsageError
from curate.records import Record
from curate.source import RecordSource
from curate.tokens import TokenCounter

Batch = dict[str, list[Any]]
RECORD_COLUMNS = ("shard", "line", "id", "kind", "record")
REJECT_COLUMNS = ("shard", "line", "code", "message", "raw")


def expand_inputs(patterns: Sequence[str]) -> list[str]:
    """The input files: each path as given, each glob expanded (sorted); none is a UsageError."""
    found: list[str] = []
    for pattern in patterns:
        if "://" in pattern:
            found.append(pattern)
        elif any(ch in pattern for ch in "*?["):
            found.extend(p for p in sorted(glob.glob(pattern, recursive=True)) if os.path.isfile(p))
        elif os.path.isfile(pattern):
            found.append(pattern)
        elif os.path.isdir(pattern):
            found.extend(sorted(str(p) for p in _dir_files(pattern)))
        else:
            raise UsageError(f"The input '{pattern}' does not exist.", "Give a file, folder or glob.")
    unique = list(dict.fromkeys(found))
    if not unique:
        raise UsageError(f"No input file matches {', '.join(map(repr, patterns))}.")
    return unique


def _dir_files(folder: str) -> list[str]:
    return [
        os.path.join(root, name)
        for root, _, names in os.walk(folder)
        for name in names
        if not name.startswith(".")
    ]


def read_shard(path: str, fmt: str | None = None) -> tuple[Batch, Batch]:
    """One input file as record rows and reject rows (every input row is one of them).

    A file that cannot be opened or whose format cannot be told is one reject row with
    line None and the error's sentence, so the counts still balance per shard.
    """
    records: Batch = {k: [] for k in RECORD_COLUMNS}
    rejects: Batch = {k: [] for k in REJECT_COLUMNS}
    try:
        source = RecordSource(path, fmt)
        pairs = source.parsed()
        for row, result in pairs:
            if isinstance(result, Record):
                records["shard"].append(path)
                records["line"].append(row.number)
                records["id"].append(result.id)
                records["kind"].append(result.kind)
                records["record"].append(result.model_dump_json(exclude_defaults=True))
            else:
                reject = source.reject(row, result)
                for k in REJECT_COLUMNS:
                    rejects[k].append(getattr(reject, "source" if k == "shard" else k))
                rejects["shard"][-1] = path
    except Exception as exc:  # noqa: BLE001 - an unreadable shard is a counted reject
        code = "unreadable_file"
        message = str(getattr(exc, "message", None) or exc)
        for k, v in zip(REJECT_COLUMNS, (path, None, code, message, ""), strict=True):
            rejects[k].append(v)
    return records, rejects


def parse_record(text: str | bytes) -> Record:
    return Record.model_validate_json(text)


@cache
def _rubric(source: str) -> tuple[Rubric, tuple[RecordCheck, ...], ProfileContext]:
    rubric = load_rubric(source)
    record_classes, _ = all_checks()
    opts = rubric.checks
    checks = tuple(
        cls(getattr(opts, name), rubric)
        for name, cls in record_classes.items()
        if getattr(opts, name).enabled
    )
    target_name, spec = rubric.target(None)
    detector = None
    if opts.consistency.enabled:
        detector = LanguageDetector(
            prefix_chars=opts.language.prefix_chars, min_letters=opts.language.min_letters
        )
    ctx = ProfileContext(
        group_tag=(opts.consistency.enabled and opts.consistency.group_by)
        or opts.diversity.category_tag,
        scope=tuple(opts.consistency.scope),
        difficulty_tag=opts.diversity.difficulty_tag,
        split_tag=opts.readiness.split_tag,
        tokens=TokenCounter(spec, target_name) if opts.tokens.enabled else None,
        language=detector,
        ngram_every=0,
    )
    return rubric, checks, ctx


def check_rows(batch: Batch, rubric: str = "default") -> Batch:
    """Run the rubric's record checks on a batch of record rows; adds ``findings`` (JSON),
    ``failed`` (distinct failed codes), ``errors`` (whether an error-level code failed)."""
    rub, checks, ctx = _rubric(rubric)
    records = [parse_record(r) for r in batch["record"]]
    out = check_batch(records, 0, ctx, list(checks))
    found = dict(out.findings)
    findings, failed, errors = [], [], []
    for record in records:
        items = found.get(record.id, [])
        codes = sorted({f.code for f in items if not f.passed})
        findings.append(orjson.dumps([f.to_dict() for f in items]).decode())
        failed.append(codes)
        errors.append(any(rub.level(c) == "error" for c in codes))
    return {**batch, "findings": findings, "failed": failed, "errors": errors}


def sketch_rows(batch: Batch, params: Params, tag: str | None = None) -> Batch:
    """Compare text, kind group, exact key, band keys, representative facts and split
    stratum (the value of tag ``tag``) per record."""
    records = [parse_record(r) for r in batch["record"]]
    texts = [compare_text(r, params.compare) for r in records]
    sketch = sketch_texts(texts, params)
    n = len(records)
    bands = sketch.bands if sketch.bands is not None else np.zeros((n, 0), np.uint64)
    facts = [record_facts(r, None, None) for r in records]
    quality = [quality_score(len(f), None) for f in batch.get("failed", [[]] * n)]
    return {
        **batch,
        "text": texts,
        "group": [KIND_GROUP.get(r.kind, 3) for r in records],
        "order": [f"{v:016x}" for v in id_order([r.id for r in records]).tolist()],
        "exact": [f"{a:016x}{b:016x}" for a, b in sketch.exact.tolist()],
        "empty": sketch.empty.tolist(),
        "bands": bands.view(np.int64).tolist(),  # equality is all that matters
        "origin": [f.origin for f in facts],
        "created": [f.created for f in facts],
        "quality": quality,
        "stratum": [(r.tags.get(tag) or "(none)") if tag else "(all)" for r in records],
    }


def facts_of(row: dict[str, Any]) -> Facts:
    """The representative rule's facts of a sketched row."""
    return Facts(row["id"], "pending", row["origin"], row["quality"], row["created"])


def rep_key(row: dict[str, Any]) -> tuple[Any, ...]:
    return representative_key(facts_of(row))


def bucket_edges(keys: Sequence[int], orders: Sequence[str]) -> list[tuple[int, int]]:
    """The candidate pairs of one LSH bucket (members in id order, then input position, as
    the local index takes them: every pair up to 32 members, a star and a chain beyond)."""
    ids = list(keys)
    ranked = sorted(range(len(ids)), key=lambda i: (orders[i], ids[i]))
    keys = np.zeros(len(ranked), np.uint64)
    pairs = bucket_pairs(keys)
    return [(ids[ranked[a]], ids[ranked[b]]) for a, b in pairs.tolist()]


def verify_pairs(left: Sequence[str], right: Sequence[str], params: Params) -> list[float]:
    """Exact Jaccard similarity of the shingle sets of each pair of compare texts."""
    a = texts_shingles(left, params)
    b = texts_shingles(right, params)
    return [jaccard(x, y) for x, y in zip(a, b, strict=True)]


def similar(sim: float, params: Params) -> bool:
    return sim >= params.threshold - 1e-9
