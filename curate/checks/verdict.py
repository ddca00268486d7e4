"""Scores per pillar (0-100) and the rubric's verdict: what passes and what fails the dataset."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from curate.checks.base import PILLARS, DatasetFinding, Finding
from curate.checks.codes import code_pillars
from curate.checks.rubric import Rubric


@dataclass
class ValidationResult:
    """Everything `curate validate` found: per-record findings, counts, scores and the verdict."""

    verdict: str
    scores: dict[str, float | None]
    overall: float | None
    checks: dict[str, int]
    pass_rates: dict[str, float]
    findings: dict[str, list[Finding]]
    dataset: list[DatasetFinding]
    failures: list[str]
    counts: dict[str, int]
    metrics: dict[str, Any] = field(default_factory=dict)
    accuracy: dict[str, Any] = field(default_factory=dict)
    judge: dict[str, dict[str, Any]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    rubric: str = "default"
    target: str | None = None
    record_order: list[str] = field(default_factory=list)
    severity: dict[str, str] = field(default_factory=dict)  # code -> error | warning | info

    def level(self, code: str) -> str:
        return self.severity.get(code, "error")

    @property
    def by_severity(self) -> dict[str, dict[str, Any]]:
        """Per severity: the records whose worst finding has it, and records per code.

        ``error`` records are the ones `curate export` leaves out by default (``failed_checks``);
        ``warning`` and ``info`` records are kept. The records add up to ``failed_records``.
        """
        out: dict[str, dict[str, Any]] = {
            level: {"records": 0, "codes": {}} for level in ("error", "warning", "info")
        }
        for code, n in self.checks.items():
            out[self.level(code)]["codes"][code] = n
        for rid in self.record_order:
            levels = {self.level(f.code) for f in self.findings.get(rid, ()) if not f.passed}
            worst = next((level for level in out if level in levels), None)
            if worst is not None:
                out[worst]["records"] += 1
        return out

    @property
    def records(self) -> dict[str, list[str]]:
        """Record id -> the codes it failed ([] when it passed every check)."""
        return {
            rid: sorted({f.code for f in self.findings.get(rid, ()) if not f.passed})
            for rid in self.record_order
        }

    @property
    def passed(self) -> bool:
        return self.verdict == "pass"


def record_score(findings: list[Finding], pillar: str, rubric: Rubric) -> float:
    pillars = code_pillars()
    lost = sum(
        rubric.code_weight(f.code)
        for f in findings
        if not f.passed and pillars.get(f.code) == pillar
    )
    return max(0.0, 1.0 - lost)


def pillar_scores(
    findings: Mapping[str, list[Finding]],
    ids: list[str],
    rejects: int,
    rubric: Rubric,
    assessed: set[str],
    diversity: float | None,
    accuracy: float | None,
) -> dict[str, float | None]:
    """The five checklist scores; None for a pillar nothing assessed."""
    scores: dict[str, float | None] = dict.fromkeys(PILLARS)
    n = len(ids)
    for pillar in ("format", "completeness", "consistency"):
        if pillar not in assessed:
            continue
        total = n + (rejects if pillar == "format" else 0)
        if not total:
            continue
        got = sum(record_score(findings.get(rid, []), pillar, rubric) for rid in ids)
        scores[pillar] = round(100 * got / total, 1)
    scores["diversity"] = diversity
    scores["accuracy"] = accuracy
    return scores


def overall_score(scores: dict[str, float | None], rubric: Rubric) -> float | None:
    weights = rubric.scoring.pillar_weights
    used = {p: weights.get(p, 1.0) for p, s in scores.items() if s is not None and weights.get(p, 1.0) > 0}
    if not used:
        return None
    return round(sum(scores[p] * w for p, w in used.items()) / sum(used.values()), 1)  # type: ignore[operator]


def decide(
    scores: dict[str, float | None],
    checks: dict[str, int],
    pillar_failures: dict[str, int],
    total: int,
    dataset: list[DatasetFinding],
    rubric: Rubric,
    error_records: int = 0,
) -> list[str]:
    """Why the dataset fails the rubric (empty: it passes). Marks failing dataset findings.

    ``error_records`` counts the records with an error finding (the ones an export leaves out).
    """
    why: list[str] = []
    if total == 0:
        why.append("There are no records to validate.")
    for pillar, floor in rubric.fail.scores_below.items():
        score = scores.get(pillar)
        if score is not None and score < floor:
            why.append(f"The {pillar} score {score:g} is below {floor:g}.")
    for key, limit in rubric.fail.rates_above.items():
        count = pillar_failures.get(key, checks.get(key, 0))
        rate = count / total if total else 0.0
        if count and rate > limit:
            noun = "record" if count == 1 else "records"
            why.append(f"{count} {noun} ({rate:.1%}) fail '{key}'; the rubric allows {limit:.1%}.")
    share = rubric.fail.error_share_above
    if share is not None and total and error_records / total > share:
        one = error_records == 1
        why.append(
            f"{error_records} record{'' if one else 's'} ({error_records / total:.1%}) "
            f"{'has' if one else 'have'} an error finding and would be left out of an export; "
            f"the rubric allows {share:.1%}."
        )
    failing = set(rubric.fail.dataset_codes)
    for finding in dataset:
        if finding.code in failing or rubric.level(finding.code) == "error":
            finding.severity = "fail"
            why.append(finding.detail)
    return why
