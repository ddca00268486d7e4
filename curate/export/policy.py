"""The export policy: which records leave the workspace, and a counted reason for every other one.

Each record gets the first reason in ``REASONS`` order that applies to it (so the counts add
up to the records left out); a record with none is exported.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from curate.split.facts import Checks, Cluster, Fact
from curate.split.ratios import SPLITS

REASONS: dict[str, str] = {
    "other_kind": "the record is of a kind this export does not hold",
    "superseded": "an edited version replaced the record",
    "rejected_by_review": "a reviewer rejected the record",
    "contaminated": "the record duplicates an outside dataset (an evaluation set)",
    "not_checked": "the record was added after the last `curate validate` run",
    "failed_checks": "the record failed a check of the latest `curate validate` run",
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
    max_synthetic_share: float = 0.30

    def rules(
        self, checks_run: int | None, dedupe_run: int | None, contamination_run: int | None = None
    ) -> list[str]:
        """The policy as sentences, printed before an export and kept in its manifest."""
        out = [f"only {self.kind} records"]
        if self.skip_checks:
            out.append("checklist not applied (--skip-checks)")
        else:
            out.append(
                f"only records that passed every check of `curate validate` run {checks_run}"
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

    def leave_out(self, record_id: str, reason: str) -> None:
        self.left_out[reason] += 1
        shown = self.examples.setdefault(reason, [])
        if len(shown) < EXAMPLES:
            shown.append(record_id)

    def left_out_dict(self) -> dict[str, int]:
        return {r: self.left_out[r] for r in REASONS if self.left_out[r]}


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
        if checks.failed.get(fact.id):
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
        else:
            sel.leave_out(f.id, reason)
    return sel


def describe_left_out(counts: dict[str, Any]) -> str:
    """``failed_checks 3, duplicate 2`` (or ``none``)."""
    return ", ".join(f"{k} {v}" for k, v in counts.items()) or "none"
