"""The record stage as a function over batches: in-process, or on forked worker processes."""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from curate.checks.base import Finding, RecordCheck
from curate.checks.profile import Profile, ProfileContext, profile_batch
from curate.records import Record

PARALLEL_MIN = 20_000  # fewer records are not worth starting workers for


@dataclass
class BatchOutput:
    """What one batch yields: its profiles, the findings per record, counts and timings."""

    profiles: list[Profile]
    findings: list[tuple[str, list[Finding]]] = field(default_factory=list)
    failed: Counter[str] = field(default_factory=Counter)
    timings: Counter[str] = field(default_factory=Counter)
    language: Counter[str] = field(default_factory=Counter)


def check_batch(
    batch: Sequence[Record],
    start: int,
    ctx: ProfileContext,
    checks: list[RecordCheck],
    splits: dict[str, str] | None = None,
) -> BatchOutput:
    """Profile a batch and run every record check on it."""
    records = list(batch)
    lang0 = dict(ctx.language.stats) if ctx.language else {}
    lang_s0 = ctx.language.seconds if ctx.language else 0.0
    tok_s0 = ctx.tokens.seconds if ctx.tokens else 0.0
    t0 = time.perf_counter()
    profiles = profile_batch(records, start, ctx)
    out = BatchOutput(profiles)
    out.timings["profile"] += time.perf_counter() - t0
    if ctx.language:
        out.timings["language"] += ctx.language.seconds - lang_s0
        out.timings["profile"] -= ctx.language.seconds - lang_s0
        out.language.update({k: v - lang0.get(k, 0) for k, v in ctx.language.stats.items()})
    if ctx.tokens:
        out.timings["token_count"] += ctx.tokens.seconds - tok_s0
        out.timings["profile"] -= ctx.tokens.seconds - tok_s0
    if splits:
        for p in profiles:
            p.split = splits.get(p.id, p.split)
    for check in checks:
        t0 = time.perf_counter()
        results = check.check_batch(records, profiles)
        out.timings[check.name] += time.perf_counter() - t0
        for record, found in zip(records, results, strict=True):
            if found:
                out.findings.append((record.id, found))
                out.failed[check.name] += any(not f.passed for f in found)
    return out


# The job forked workers read (inherited memory, so records are never pickled).
_JOB: tuple[Sequence[Record], ProfileContext, list[RecordCheck], dict[str, str] | None, int] | None = None


def _work(start: int) -> BatchOutput:
    assert _JOB is not None
    records, ctx, checks, splits, size = _JOB
    return check_batch(records[start : start + size], start, ctx, checks, splits)


def default_workers(n: int) -> int:
    """Two or more worker processes for big inputs where fork exists, else in-process."""
    if n < PARALLEL_MIN or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))


def run_batches(
    records: Sequence[Record],
    ctx: ProfileContext,
    checks: list[RecordCheck],
    splits: dict[str, str] | None,
    batch_size: int,
    workers: int,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[BatchOutput]:
    """Every batch's output in order, from ``workers`` forked processes (1: in-process)."""
    global _JOB
    n = len(records)
    starts = range(0, n, batch_size)
    if workers <= 1:
        for start in starts:
            yield check_batch(records[start : start + batch_size], start, ctx, checks, splits)
            if progress is not None:
                progress(min(n, start + batch_size), n)
        return
    if ctx.language is not None:
        from curate.checks.language import langdetect_language

        langdetect_language("warm up the language profiles before the workers fork")
    _JOB = (records, ctx, checks, splits, batch_size)
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for i, out in enumerate(pool.imap(_work, starts)):
                yield out
                if progress is not None:
                    progress(min(n, (i + 1) * batch_size), n)
    finally:
        _JOB = None
