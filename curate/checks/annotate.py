"""Validate a workspace's records and store the results as annotations (check runs)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from curate.checks.report import to_json
from curate.checks.rubric import Rubric, load_rubric
from curate.checks.runner import Progress, validate_records
from curate.checks.verdict import ValidationResult
from curate.store.lock import exclusive
from curate.store.usable import USABLE_WHERE as USABLE

if TYPE_CHECKING:
    from curate.store import Store
    from curate.workspace import Workspace

SUMMARY_KEYS = (
    "verdict", "scores", "overall", "counts", "checks", "failures", "rubric", "target", "severity", "by_severity"
)


def workspace_rubric(ws: Workspace, path: str | None = None) -> Rubric:
    """The rubric for a workspace: ``path``, else curate.toml's, with its synthetic-share limit."""
    rubric = load_rubric(path if path is not None else (ws.settings.rubric_path(ws.root) or "default"))
    rubric.checks.readiness.max_synthetic_share = ws.settings.max_synthetic_share
    return rubric


@exclusive("curate validate")
def validate_workspace(
    ws: Workspace,
    rubric: Rubric,
    *,
    target: str | None = None,
    where: list[str] | None = None,
    judge: bool | Any = False,
    progress: Progress | None = None,
) -> ValidationResult:
    """Validate the workspace's usable records (pending or approved), with its review counts
    and split assignments, and store the results as a ``checks`` run.

    ``counts.rejects`` is the number of rows stored as rejects at import (``counts.total``
    adds them to the records): they are reported, not scored, since they never became
    records (``counts.rejects_scored`` is false; a file's rejects count against its format
    score because they are part of that file).
    """
    from curate.store import parse_where

    store = ws.store
    filters = [parse_where(w) for w in (*USABLE, *(where or ()))]
    records = list(store.iter_records(filters))
    reviews = store.count_by("state")
    result = validate_records(
        records,
        rubric,
        target=target,
        reviews=reviews,
        splits=store.splits(),
        judge=judge,
        progress=progress,
    )
    stored = sum(store.reject_counts().values())
    result.counts.update(rejects=stored, total=len(records) + stored, rejects_scored=False)
    meta = {"rubric": rubric.source, "target": result.target, "where": where or []}
    store_results(store, result, meta, export=rubric.export.model_dump())
    return result


def check_rows(result: ValidationResult) -> Iterator[Any]:
    """One stored row per failed code of a record, a judge score where there is one, and a
    passing ``checklist`` row for each record without findings (so every record counts as checked)."""
    from curate.store import CheckResult

    for rid in result.record_order:
        found = result.findings.get(rid, [])
        if not found:
            yield CheckResult(rid, "checklist", True, None, None)
            continue
        seen: set[str] = set()
        for f in found:
            if f.code in seen:
                continue
            seen.add(f.code)
            yield CheckResult(rid, f.code, f.passed, f.score, f.detail or None)


def store_results(
    store: Store, result: ValidationResult, meta: dict[str, Any], export: dict[str, Any] | None = None
) -> int:
    """Write a ``checks`` run with every record's results; returns the run id.

    The run's summary keeps each code's severity and the rubric's ``export`` rules, so
    `curate export` applies the same policy that `curate validate` reported.
    """
    summary = {k: v for k, v in to_json(result).items() if k in SUMMARY_KEYS}
    if export is not None:
        summary["export"] = export
    run_id = store.start_run("checks", meta)
    try:
        store.put_check_results(run_id, check_rows(result))
    except BaseException:
        store.finish_run(run_id, status="failed")
        raise
    store.finish_run(run_id, summary)
    return run_id
