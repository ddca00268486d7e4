"""Run a rubric over records: record checks in batches, dataset checks over the profiles."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from curate.checks.base import DatasetCheck, DatasetFinding, Finding, RecordCheck
from curate.checks.batches import default_workers, run_batches
from curate.checks.codes import all_checks, code_pillars
from curate.checks.judge import JudgeOutcome, judge_findings, run_judge
from curate.checks.language import LanguageDetector
from curate.checks.profile import Profile, ProfileContext
from curate.checks.rubric import Rubric, load_rubric
from curate.checks.secrets import scrub
from curate.checks.verdict import ValidationResult, decide, overall_score, pillar_scores
from curate.records import Record, Reject
from curate.tokens import TokenCounter

Progress = Callable[[int, int], None]
DATASET_SEVERITY = {"error": "fail", "warning": "warn", "info": "info"}


def reject_id(reject: Reject) -> str:
    """How a rejected row is named among the records: ``source:line``."""
    return f"{reject.source}:{reject.line}" if reject.line is not None else reject.source


def validate_records(
    records: Sequence[Record],
    rubric: Rubric | str | None = None,
    *,
    target: str | None = None,
    rejects: Iterable[Reject] = (),
    reviews: dict[str, int] | None = None,
    splits: dict[str, str] | None = None,
    judge: bool | Any = False,
    batch_size: int = 2000,
    workers: int | None = 1,
    progress: Progress | None = None,
) -> ValidationResult:
    """Validate ``records`` against ``rubric`` (a Rubric, a path, or "default").

    ``rejects`` are rows that never became records: each counts as a format failure with its
    reason code. ``reviews`` holds human review counts (``approved``, ``rejected``) and
    ``splits`` record id -> split (a workspace's assignments). ``judge`` turns the LLM judge
    on (True: the rubric's provider; or a Provider object); the rubric's ``judge.enabled``
    turns it on too. ``workers`` forked processes share the record stage (1, the default:
    in-process; None: one per core, up to four, for 20,000 records or more where fork exists).
    """
    if not isinstance(rubric, Rubric):
        rubric = load_rubric(rubric or "default")
    opts = rubric.checks
    record_checks, dataset_checks = _enabled_checks(rubric)
    target_name, spec = rubric.target(target)
    ctx = _profile_context(rubric, TokenCounter(spec, target_name) if opts.tokens.enabled else None, len(records))
    workers = default_workers(len(records)) if workers is None else workers
    stage = _record_stage(records, ctx, record_checks, splits, batch_size, workers, progress)
    metrics, diversity_score = _dataset_stage(dataset_checks, rubric, stage)
    if ctx.language is not None:
        metrics["language"] = _language_metrics(ctx.language, stage)
    outcome, accuracy = _accuracy(records, rubric, judge, reviews, stage.findings, stage.timings)
    reject_list = list(rejects)
    ids = _add_rejects(stage.findings, [r.id for r in records], reject_list)
    checks, pillar_failures = _failure_counts(stage.findings)
    assessed = {check.pillar for check in [*record_checks, *dataset_checks]}
    findings, dataset, n = stage.findings, stage.dataset, len(records)
    scores = pillar_scores(findings, [r.id for r in records], len(reject_list), rubric, assessed, diversity_score, accuracy["score"])
    total = n + len(reject_list)
    pass_rates = _pass_rates([*record_checks, *dataset_checks], stage.failed_by_check, n, total, outcome, opts.judge.pass_score)
    error_records = sum(
        1 for rid in ids if any(not f.passed and rubric.level(f.code) == "error" for f in findings.get(rid, ()))
    )
    failures = decide(scores, dict(checks), dict(pillar_failures), total, dataset, rubric, error_records)
    return ValidationResult(
        verdict="fail" if failures else "pass",
        scores=scores,
        overall=overall_score(scores, rubric),
        checks=dict(sorted(checks.items(), key=lambda kv: (-kv[1], kv[0]))),
        pass_rates=pass_rates,
        findings=findings,
        dataset=dataset,
        failures=failures,
        counts={"records": n, "rejects": len(reject_list), "total": total, "failed_records": sum(1 for rid in ids if any(not f.passed for f in findings.get(rid, ()))), "error_records": error_records},
        metrics=metrics,
        accuracy=accuracy,
        judge={v.record_id: {"score": v.score, "rationale": v.rationale, "error": v.error} for v in (outcome.verdicts if outcome else [])},
        timings={k: round(v, 4) for k, v in stage.timings.items()},
        rubric=rubric.source,
        target=target_name if opts.tokens.enabled else None,
        record_order=ids,
        severity={code: rubric.level(code) for code in checks},
    )


@dataclass
class _Stage:
    """What the checks found so far: findings per record, profiles, counts and timings."""

    findings: dict[str, list[Finding]] = field(default_factory=dict)
    profiles: list[Profile] = field(default_factory=list)
    failed_by_check: Counter[str] = field(default_factory=Counter)
    timings: Counter[str] = field(default_factory=Counter)
    language: Counter[str] = field(default_factory=Counter)
    dataset: list[DatasetFinding] = field(default_factory=list)


def _enabled_checks(rubric: Rubric) -> tuple[list[RecordCheck], list[DatasetCheck]]:
    """The rubric's enabled record and dataset checks, in discovery order."""
    record_classes, dataset_classes = all_checks()
    opts = rubric.checks
    record = [cls(getattr(opts, name), rubric) for name, cls in record_classes.items() if getattr(opts, name).enabled]
    dataset = [cls(getattr(opts, name), rubric) for name, cls in dataset_classes.items() if getattr(opts, name).enabled]
    return record, dataset


def _profile_context(rubric: Rubric, tokens: TokenCounter | None, n: int) -> ProfileContext:
    """What profiling each record needs under ``rubric`` (``n``: the number of records)."""
    opts = rubric.checks
    detector = None
    if opts.consistency.enabled:
        detector = LanguageDetector(prefix_chars=opts.language.prefix_chars, min_letters=opts.language.min_letters)
    return ProfileContext(
        group_tag=(opts.consistency.enabled and opts.consistency.group_by) or opts.diversity.category_tag,
        scope=tuple(opts.consistency.scope),
        difficulty_tag=opts.diversity.difficulty_tag,
        split_tag=opts.readiness.split_tag,
        tokens=tokens,
        language=detector,
        ngram_every=max(1, n // opts.diversity.sample) if opts.diversity.enabled else 0,
    )


def _record_stage(
    records: Sequence[Record],
    ctx: ProfileContext,
    checks: list[RecordCheck],
    splits: dict[str, str] | None,
    batch_size: int,
    workers: int,
    progress: Progress | None,
) -> _Stage:
    """Profile every record and run the record checks, batch by batch."""
    stage = _Stage()
    for out in run_batches(records, ctx, checks, splits, batch_size, workers, progress):
        stage.profiles.extend(out.profiles)
        for rid, found in out.findings:
            stage.findings.setdefault(rid, []).extend(found)
        stage.failed_by_check.update(out.failed)
        stage.timings.update(out.timings)
        stage.language.update(out.language)
    for found in stage.findings.values():
        if any(f.code == "secret_in_text" for f in found):
            for f in found:  # other details may quote the text around a credential
                f.detail = scrub(f.detail)
    return stage


def _dataset_stage(checks: list[DatasetCheck], rubric: Rubric, stage: _Stage) -> tuple[dict[str, Any], float | None]:
    """Run the dataset checks over the profiles: their metrics and the diversity score."""
    metrics: dict[str, Any] = {}
    diversity_score = None
    for check in checks:
        t0 = time.perf_counter()
        res = check.check(stage.profiles)
        stage.timings[check.name] += time.perf_counter() - t0
        for finding in res.findings:
            if finding.code in rubric.severity:  # the rubric's level, in the dataset's words
                finding.severity = DATASET_SEVERITY[rubric.level(finding.code)]
        stage.dataset.extend(res.findings)
        metrics[check.name] = res.metrics
        if check.name == "diversity":
            diversity_score = res.score
        for index, found in res.record_findings.items():
            stage.findings.setdefault(stage.profiles[index].id, []).extend(found)
        stage.failed_by_check[check.name] += len(res.record_findings)
    return metrics, diversity_score


def _language_metrics(detector: LanguageDetector, stage: _Stage) -> dict[str, Any]:
    """How each record's language was detected, and the most common languages."""
    languages = Counter(p.language for p in stage.profiles if p.language)
    return {
        "detected_by": {k: stage.language.get(k, 0) for k in detector.stats},
        "languages": dict(languages.most_common(10)),
    }


def _add_rejects(findings: dict[str, list[Finding]], ids: list[str], rejects: list[Reject]) -> list[str]:
    """Each reject as a record that failed with its reason code; every id, records first."""
    for rej in rejects:
        rid = reject_id(rej)
        ids.append(rid)
        findings.setdefault(rid, []).append(Finding(rej.code, detail=rej.message))
    return ids


def _failure_counts(findings: dict[str, list[Finding]]) -> tuple[Counter[str], Counter[str]]:
    """Records failing each code, and records failing each pillar."""
    pillars = code_pillars()
    checks: Counter[str] = Counter()
    pillar_failures: Counter[str] = Counter()
    for found in findings.values():
        codes = {f.code for f in found if not f.passed}
        checks.update(codes)
        pillar_failures.update({pillars.get(c, "format") for c in codes})
    return checks, pillar_failures


def _pass_rates(
    checks: list[RecordCheck | DatasetCheck],
    failed_by_check: Counter[str],
    n: int,
    total: int,
    outcome: JudgeOutcome | None,
    judge_pass: float,
) -> dict[str, float]:
    """The share of records each check passed, of rows read, and of answers the judge passed."""
    rates = {
        check.name: round(1 - failed_by_check[check.name] / n, 4) if n else 1.0
        for check in checks
        if check.codes and check.name not in ("diversity", "readiness")
    }
    if total > n:
        rates["read"] = round(n / total, 4)
    if outcome is not None and outcome.verdicts:
        rates["judge"] = round(
            sum(1 for v in outcome.scored if v.score is not None and v.score >= judge_pass) / max(1, len(outcome.scored)), 4
        )
    return rates


def _accuracy(
    records: Sequence[Record],
    rubric: Rubric,
    judge: bool | Any,
    reviews: dict[str, int] | None,
    findings: dict[str, list[Finding]],
    timings: Counter[str],
) -> tuple[JudgeOutcome | None, dict[str, Any]]:
    """The accuracy score from the judge and human review, or None with the reasons."""
    opts = rubric.checks.judge
    weights = rubric.accuracy.weights
    parts: dict[str, float] = {}
    info: dict[str, Any] = {"score": None, "sources": {}, "not_assessed": []}
    outcome = None
    if judge or opts.enabled:
        t0 = time.perf_counter()
        provider = None if isinstance(judge, bool) else judge
        outcome = run_judge(list(records), opts, provider)
        timings["judge"] += time.perf_counter() - t0
        for v in outcome.verdicts:
            found = judge_findings(v, opts.pass_score)
            if found:
                findings.setdefault(v.record_id, []).extend(found)
        mean = outcome.mean()
        if mean is not None:
            parts["judge"] = (mean - 1) / 4 * 100
            info["sources"]["judge"] = {
                "provider": outcome.provider,
                "model": outcome.model,
                "judged": len(outcome.scored),
                "errors": sum(1 for v in outcome.verdicts if v.error),
                "mean_score": round(mean, 3),
                "pass_score": opts.pass_score,
            }
        else:
            info["not_assessed"].append(outcome.not_assessed)
    else:
        info["not_assessed"].append("The LLM judge is off (turn it on with --judge or judge.enabled in the rubric).")
    if reviews:
        approved, rejected = reviews.get("approved", 0), reviews.get("rejected", 0)
        if approved + rejected:
            parts["review"] = 100 * approved / (approved + rejected)
            info["sources"]["review"] = {"approved": approved, "rejected": rejected, "pending": reviews.get("pending", 0)}
        else:
            info["not_assessed"].append("No record has been reviewed by a person yet.")
    if parts:
        total_w = sum(weights.get(k, 0.5) for k in parts) or 1.0
        info["score"] = round(sum(v * weights.get(k, 0.5) for k, v in parts.items()) / total_w, 1)
        info["status"] = "assessed"
    else:
        info["status"] = "not assessed"
    return outcome, info
