"""manifest.json: what an export holds, where it came from, and the hash of every file.

The layout is the export contract the trainer reads (``train run --data DIR``): ``files``
per split with path, sha256 and rows; ``counts``; ``synthetic_share`` per split and
overall; ``max_synthetic_share``; ``generators``; ``policy``; ``scores``; plus the tool
version, the time, the target format and kind, and the workspace fingerprint.

The workspace fingerprint is the SHA-256 of every stored record's id, kind, origin, review
state and split (sorted by id) and the ids of the check, dedupe and contamination runs the
policy used: two
exports with the same fingerprint were cut from the same reviewed, checked and split data.
"""

from __future__ import annotations

import hashlib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from curate.export.plan import ExportPlan
from curate.export.policy import REASONS
from curate.export.stats import generators
from curate.records import now_iso
from curate.split.ratios import SPLITS

TOOL = "curate-ft"


def tool_version() -> str:
    try:
        return version(TOOL)
    except PackageNotFoundError:
        return "unknown"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def workspace_fingerprint(plan: ExportPlan) -> str:
    """See the module docstring."""
    digest = hashlib.sha256()
    for f in sorted(plan.facts, key=lambda f: f.id):
        digest.update(f"{f.id}\t{f.kind}\t{f.origin}\t{f.state}\t{f.split or ''}\n".encode())
    runs = f"checks={plan.checks.run_id}\tdedupe={plan.dedupe_run}\tcontamination={plan.contamination_run}"
    digest.update(f"{runs}\n".encode())
    return digest.hexdigest()


def policy_section(plan: ExportPlan) -> dict[str, Any]:
    o = plan.options
    left_out = plan.selection.left_out_dict()
    return {
        "rules": plan.rules,
        "kind": o.kind,
        "skip_checks": o.skip_checks,
        "include_unapproved": o.include_unapproved,
        "require_real_approval": o.require_real_approval,
        "cap_synthetic": o.cap_synthetic,
        "checks_run": plan.checks.run_id,
        "dedupe_run": plan.dedupe_run,
        "contamination_run": plan.contamination_run,
        "split_run": plan.split_run,
        "considered": plan.selection.considered,
        "exported": sum(len(v) for v in plan.records.values()),
        "left_out": left_out,
        "left_out_reasons": {k: REASONS[k] for k in left_out},
        "failed_checks_by_code": plan.selection.failed_checks_by_code(),
        "approved_overrides_errors": o.approved_overrides_errors,
        "exported_findings": plan.findings,
        "findings_notes": findings_notes(plan),
        "notes": plan.notes,
    }


def findings_notes(plan: ExportPlan) -> list[str]:
    """Sentences on what the exported records still carry, for the manifest and the card."""
    f = plan.findings
    out = []
    if f["with_warnings"]:
        codes = ", ".join(f"{c} {n}" for c, n in f["warning_codes"].items())
        out.append(
            f"{_records(f['with_warnings'])} carry warnings ({codes}); "
            "warnings are reported, not grounds to leave a record out."
        )
    if f["approved_despite_warnings"]:
        out.append(
            f"{_records(f['approved_despite_warnings'])} were approved by a reviewer "
            "despite warnings."
        )
    if f["approved_despite_errors"]:
        out.append(
            f"{_records(f['approved_despite_errors'])} were approved by a reviewer despite "
            "error findings and exported because the rubric sets "
            "export.approved_overrides_errors."
        )
    return out


def _records(n: int) -> str:
    """``1 exported record`` / ``3 exported records``."""
    return f"{n} exported record{'' if n == 1 else 's'}"


def scores_section(plan: ExportPlan) -> dict[str, Any]:
    summary = plan.checks.summary
    exported = [r.id for rs in plan.records.values() for r in rs]
    judged = [plan.checks.scores[i] for i in exported if i in plan.checks.scores]
    return {
        "checks_run": plan.checks.run_id,
        "rubric": summary.get("rubric"),
        "verdict": summary.get("verdict"),
        "overall": summary.get("overall"),
        "pillars": summary.get("scores", {}),
        "failed_checks": summary.get("checks", {}),
        "judge_mean_exported": round(sum(judged) / len(judged), 3) if judged else None,
    }


def build_manifest(
    plan: ExportPlan,
    root: Path,
    files: dict[str, str],
    other_files: list[str],
    verification: dict[str, Any],
) -> dict[str, Any]:
    """The manifest of an export whose files are written under ``root``."""
    shares = {s: round(plan.shares[s].share, 4) for s in SPLITS if s in files}
    shares["overall"] = round(plan.overall.share, 4)
    return {
        "tool": TOOL,
        "tool_version": tool_version(),
        "created_at": now_iso(),
        "format": plan.target.name,
        "kind": plan.options.kind,
        "layout": plan.layout.options.get("shape", plan.layout.writer),
        "container": plan.container,
        "workspace_fingerprint": workspace_fingerprint(plan),
        "files": {
            split: {
                "path": path,
                "sha256": sha256_file(root / path),
                "rows": len(plan.rows[split]),
            }
            for split, path in files.items()
        },
        "counts": {s: len(plan.rows[s]) for s in SPLITS if s in files},
        "synthetic_share": shares,
        "max_synthetic_share": plan.options.max_synthetic_share,
        "generators": generators([r for s in SPLITS for r in plan.records[s]]),
        "policy": policy_section(plan),
        "scores": scores_section(plan),
        "other_files": {name: {"sha256": sha256_file(root / name)} for name in other_files},
        "verification": verification,
    }
