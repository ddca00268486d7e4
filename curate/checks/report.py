"""The validation report: one JSON object for scripts, and a readable Markdown report."""

from __future__ import annotations

from typing import Any

from curate.checks.base import PILLARS
from curate.checks.codes import code_pillars
from curate.checks.verdict import ValidationResult

SEVERITY_MARK = {"fail": "FAIL", "warn": "warn", "info": "note"}


def to_json(result: ValidationResult) -> dict[str, Any]:
    """The `--json` object: verdict, scores, checks (code -> records), records (id -> codes), ...

    Every record and rejected row appears under ``records`` ([] when it passed); ``details``
    holds the findings (with their sentences) of the records that failed something.
    """
    details = {
        rid: [f.to_dict() | {"severity": result.level(f.code)} for f in found if not f.passed]
        for rid, found in result.findings.items()
        if any(not f.passed for f in found)
    }
    return {
        "verdict": result.verdict,
        "scores": {p: result.scores.get(p) for p in PILLARS},
        "overall": result.overall,
        "failures": result.failures,
        "counts": result.counts,
        "checks": result.checks,
        "pass_rates": result.pass_rates,
        "pillars": {code: code_pillars().get(code, "format") for code in result.checks},
        "severity": {code: result.level(code) for code in result.checks},
        "by_severity": result.by_severity,
        "dataset": [f.to_dict() for f in result.dataset],
        "accuracy": result.accuracy,
        "diversity": result.metrics.get("diversity", {}),
        "readiness": result.metrics.get("readiness", {}),
        "consistency": result.metrics.get("consistency", {}),
        "language": result.metrics.get("language", {}),
        "records": result.records,
        "details": details,
        "judge": result.judge,
        "rubric": result.rubric,
        "target": result.target,
        "timings": result.timings,
    }


def _score(value: float | None) -> str:
    return "not assessed" if value is None else f"{value:g}"


def to_markdown(result: ValidationResult, max_records: int = 200) -> str:
    """A readable report: verdict, scores, dataset findings, pass rates, failed records."""
    c = result.counts
    out = [
        "# Validation report",
        "",
        f"**Verdict: {result.verdict.upper()}** — {c['records']} records"
        + (f" and {c['rejects']} rejected rows" if c.get("rejects") else "")
        + f", {c.get('failed_records', 0)} with findings. Rubric: `{result.rubric}`"
        + (f", target `{result.target}`." if result.target else "."),
        "",
    ]
    if result.failures:
        out += ["Why it fails:", ""] + [f"- {w}" for w in result.failures] + [""]
    out += [export_note(result), ""]
    out += ["## Checklist scores (0-100)", "", "| pillar | score |", "| --- | --- |"]
    out += [f"| {p} | {_score(result.scores.get(p))} |" for p in PILLARS]
    out += [f"| overall | {_score(result.overall)} |", ""]
    acc = result.accuracy
    if acc.get("status") == "not assessed" or acc.get("not_assessed"):
        out += [f"Accuracy notes: {' '.join(n for n in acc.get('not_assessed', []) if n)}", ""]
    if result.dataset:
        out += ["## Dataset findings", "", "| severity | code | finding |", "| --- | --- | --- |"]
        out += [f"| {SEVERITY_MARK[f.severity]} | `{f.code}` | {_cell(f.detail)} |" for f in result.dataset]
        out.append("")
    ready = result.metrics.get("readiness") or {}
    if ready:
        hp = ready.get("suggested", {})
        out += [
            "## Readiness",
            "",
            f"- Volume: {ready.get('records')} records, {ready.get('volume')}.",
            f"- Synthetic share: {ready.get('synthetic_share', 0):.0%} (limit {ready.get('max_synthetic_share', 0):.0%}).",
            f"- Test split: {'none assigned' if ready.get('test_share') is None else format(ready['test_share'], '.0%')}.",
            f"- Suggested: {hp.get('epochs_range')} epochs, LoRA rank {hp.get('lora_rank_range')} "
            f"(task looks like {hp.get('task')}).",
            "",
        ]
    div = result.metrics.get("diversity") or {}
    if div:
        out += [
            "## Diversity",
            "",
            f"- Categories: {_dist(div.get('categories'))} (balance {div.get('category_balance')}).",
            f"- Difficulty: {_dist(div.get('difficulty'))}.",
            f"- distinct-1 {div.get('distinct_1')}, distinct-2 {div.get('distinct_2')}, "
            f"duplicate rate {div.get('duplicate_rate')}.",
            f"- Instruction verbs: {_dist(div.get('top_verbs'))} (spread {div.get('verb_spread')}).",
            "",
        ]
    out += ["## Checks", "", "| check | pass rate |", "| --- | --- |"]
    out += [f"| {name} | {rate:.1%} |" for name, rate in result.pass_rates.items()]
    out += ["", "| code | severity | pillar | records |", "| --- | --- | --- | --- |"]
    out += [
        f"| `{code}` | {result.level(code)} | {code_pillars().get(code, 'format')} | {n} |"
        for code, n in result.checks.items()
    ]
    levels = result.by_severity
    out += ["", "| severity | records | codes |", "| --- | --- | --- |"]
    out += [
        f"| {level} | {v['records']} | {describe_codes(v['codes']) or '-'} |" for level, v in levels.items()
    ]
    out += ["", "## Records with findings", ""]
    failed = [rid for rid in result.record_order if any(not f.passed for f in result.findings.get(rid, ()))]
    if not failed:
        out.append("No record failed a check.")
    else:
        out += ["| record | codes | first finding |", "| --- | --- | --- |"]
        for rid in failed[:max_records]:
            found = [f for f in result.findings[rid] if not f.passed]
            codes = ", ".join(sorted({f"`{f.code}`" for f in found}))
            out.append(f"| `{rid}` | {codes} | {_cell(found[0].detail)} |")
        if len(failed) > max_records:
            out.append(f"\n... and {len(failed) - max_records} more (see `--json`).")
    return "\n".join(out) + "\n"


def describe_codes(codes: dict[str, int]) -> str:
    """``too_long 3, empty_answer 1`` (most first)."""
    return ", ".join(f"{c} {n}" for c, n in sorted(codes.items(), key=lambda kv: (-kv[1], kv[0])))


def export_note(result: ValidationResult) -> str:
    """What `curate export` does with these findings, in one sentence.

    Error findings keep a record out of an export by default; warnings and notes do not.
    """
    levels = result.by_severity
    errors, warnings = levels["error"], levels["warning"]
    n = result.counts.get("records", 0)
    if errors["records"]:
        share = f" ({errors['records'] / n:.1%} of the records)" if n else ""
        head = (
            f"{errors['records']} record{'s' if errors['records'] != 1 else ''} with an error finding"
            f"{share} would be left out of an export as failed_checks ({describe_codes(errors['codes'])})"
        )
    else:
        head = "No record has an error finding, so an export leaves none out as failed_checks"
    if warnings["records"]:
        head += (
            f"; {warnings['records']} with warnings only are kept "
            f"({describe_codes(warnings['codes'])})"
        )
    return head + "."


def _dist(values: dict[str, float] | None) -> str:
    if not values:
        return "none tagged"
    return ", ".join(f"{k} {v:.0%}" for k, v in values.items())


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")[:200]
