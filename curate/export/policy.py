"""The export policy: which records leave the workspace, and a counted reason for every other one.

Each record gets the first reason in ``REASONS`` order that applies to it (so the counts add
up to the records left out); a record with none is exported.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from curate.settings import DEFAULT_MAX_SYNTHETIC_SHARE
from curate.split.ratios import SPLITS
from curate.store.split_facts import Checks, Cluster, Fact

REASONS: dict[str, str] = {
    "other_kind": "the record is of a kind this export does not hold",
    "superseded": "an edited version replaced the record",
    "rejected_by_review": "a reviewer rejected the record",
    "contaminated": "the record duplicates an outside dataset (an evaluation set)",
    "not_checked": "the record was added after the last `curate validate` run",
    "failed_checks": "the record has an error finding in the latest `curate validate` run",
    "duplicate": "the record duplicates its cluster's representative",
    "not_approved": "the record needs a reviewer's approval",
    "not_split": "the record has no split (added after the last `curate split`)",
    "unsupported_in_target": "the target format cannot hold the record",
    "over_synthetic_cap": "dropped to keep the split's synthetic share under the limit",
}
EXAMPLES = 5


@dataclass(frozen=True)
class PolicyOptions:
    """The switches of the export policy (the defaults are the strict policy)."""

    kind: str = "sft"
    skip_checks: bool = False
    include_unapproved: bool = False
    require_real_approval: bool = False
    cap_synthetic: bool = False
    max_synthetic_share: float = DEFAULT_MAX_SYNTHETIC_SHARE
    approved_overrides_errors: bool = False
    severity: dict[str, str] = field(default_factory=dict)  # code -> error | warning | info

    def level(self, code: str) -> str:
        """A code's severity (a code the validate run did not name is an error)."""
        return self.severity.get(code, "error")

    def errors(self, codes: list[str]) -> list[str]:
        """The codes among ``codes`` that keep a record out (its error findings)."""
        return [c for c in codes if self.level(c) == "error"]

    def rules(
        self, checks_run: int | None, dedupe_run: int | None, contamination_run: int | None = None
    ) -> list[str]:
        """The policy as sentences, printed before an export and kept in its manifest."""
        out = [f"only {self.kind} records"]
        if self.skip_checks:
            out.append("checklist not applied (--skip-checks)")
        else:
            out.append(
                f"only records without an error finding in `curate validate` run {checks_run} "
                "(warnings are reported and kept)"
            )
            if self.approved_overrides_errors:
                out.append(
                    "approved records are exported despite error findings "
                    "(export.approved_overrides_errors in the rubric)"
                )
        if dedupe_run is None:
            out.append("duplicates unknown: `curate dedupe` has not run")
        else:
            out.append(
                f"only the representative of each duplicate cluster (dedupe run {dedupe_run})"
            )
        if contamination_run is None:
            out.append("contamination unknown: `curate dedupe --against` has not run")
        else:
            out.append(f"no records marked contaminated (contamination run {contamination_run})")
        if self.include_unapproved:
            out.append("approval not required (--include-unapproved)")
        else:
            real = "real records too" if self.require_real_approval else "real records need not be"
            out.append(f"synthetic records must be approved ({real})")
        how = "down-sampled to fit (--cap-synthetic)" if self.cap_synthetic else "export refused"
        out.append(f"synthetic share at most {self.max_synthetic_share:.0%} per split, else {how}")
        return out


@dataclass
class Selection:
    """The records the policy keeps (ids per split, insertion order) and why the others left."""

    kept: dict[str, list[str]] = field(default_factory=lambda: {s: [] for s in SPLITS})
    left_out: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    considered: int = 0
    failed_codes: Counter[str] = field(default_factory=Counter)  # failed_checks by error code

    def leave_out(self, record_id: str, reason: str, codes: list[str] | None = None) -> None:
        self.left_out[reason] += 1
        self.failed_codes.update(codes or ())
        shown = self.examples.setdefault(reason, [])
        if len(shown) < EXAMPLES:
            shown.append(record_id)

    def left_out_dict(self) -> dict[str, int]:
        return {r: self.left_out[r] for r in REASONS if self.left_out[r]}

    def failed_checks_by_code(self) -> dict[str, int]:
        """Records left out as ``failed_checks`` per error code, most first (a record with
        two error codes counts under each)."""
        return dict(sorted(self.failed_codes.items(), key=lambda kv: (-kv[1], kv[0])))


def reason_for(
    fact: Fact,
    options: PolicyOptions,
    checks: Checks,
    duplicates: set[str],
    contaminated: set[str],
) -> str | None:
    """Why this record is not exported, or None when it is."""
    if fact.kind != options.kind:
        return "other_kind"
    if fact.state == "edited":
        return "superseded"
    if fact.state == "rejected":
        return "rejected_by_review"
    if fact.id in contaminated:
        return "contaminated"
    if not options.skip_checks:
        if fact.id not in checks.checked:
            return "not_checked"
        errors = options.errors(checks.failed.get(fact.id, []))
        if errors and not (options.approved_overrides_errors and fact.state == "approved"):
            return "failed_checks"
    if fact.id in duplicates:
        return "duplicate"
    needs_approval = fact.origin == "synthetic" or options.require_real_approval
    if needs_approval and not options.include_unapproved and fact.state != "approved":
        return "not_approved"
    if fact.split not in SPLITS:
        return "not_split"
    return None


def non_representatives(clusters: dict[str, Cluster]) -> set[str]:
    """Members of a cluster other than its representative."""
    out: set[str] = set()
    for c in clusters.values():
        rep = c.representative or (c.members[0] if c.members else None)
        out.update(m for m in c.members if m != rep)
    return out


def select(
    facts: list[Fact],
    options: PolicyOptions,
    checks: Checks,
    clusters: dict[str, Cluster],
    contaminated: set[str],
) -> Selection:
    """Apply the policy to every stored record."""
    duplicates = non_representatives(clusters)
    sel = Selection(considered=len(facts))
    for f in facts:
        reason = reason_for(f, options, checks, duplicates, contaminated)
        if reason is None:
            sel.kept[f.split or "train"].append(f.id)
        elif reason == "failed_checks":
            sel.leave_out(f.id, reason, options.errors(checks.failed.get(f.id, [])))
        else:
            sel.leave_out(f.id, reason)
    return sel


def exported_findings(
    exported: list[str], facts: list[Fact], options: PolicyOptions, checks: Checks
) -> dict[str, Any]:
    """What the exported records still carry: records with warnings (per code), and records
    exported on a reviewer's approval despite findings (warnings, or errors when the rubric's
    ``export.approved_overrides_errors`` is on)."""
    state = {f.id: f.state for f in facts}
    warned: Counter[str] = Counter()
    approved: Counter[str] = Counter()
    with_warnings = approved_errors = approved_warnings = 0
    for rid in exported:
        codes = [] if options.skip_checks else checks.failed.get(rid, [])
        if not codes:
            continue
        errors = options.errors(codes)
        others = [c for c in codes if c not in errors]
        warned.update(others)
        with_warnings += bool(others)
        if state.get(rid) == "approved":
            approved.update(codes)
            if errors:
                approved_errors += 1
            else:
                approved_warnings += 1
    return {
        "with_warnings": with_warnings,
        "warning_codes": dict(sorted(warned.items(), key=lambda kv: (-kv[1], kv[0]))),
        "approved_despite_errors": approved_errors,
        "approved_despite_warnings": approved_warnings,
        "approved_codes": dict(sorted(approved.items(), key=lambda kv: (-kv[1], kv[0]))),
    }


def describe_left_out(counts: dict[str, Any], by_code: dict[str, int] | None = None) -> str:
    """``failed_checks 3 (too_long 2, empty_answer 1), duplicate 2`` (or ``none``)."""
    parts = []
    for k, v in counts.items():
        codes = ", ".join(f"{c} {n}" for c, n in (by_code or {}).items())
        parts.append(f"{k} {v} ({codes})" if k == "failed_checks" and codes else f"{k} {v}")
    return ", ".join(parts) or "none"
