"""Plan an export: apply the policy, render every row, and run the real:synthetic guard.

Nothing is written here: the plan says what would be written and why every other record is
left out, so the CLI can print the policy before it writes (or refuses).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from curate.errors import CurateError, RowError, UsageError
from curate.export.base import Layout, Target
from curate.export.guard import Share, SyntheticShareExceeded, cap_split
from curate.export.policy import PolicyOptions, Selection, exported_findings, select
from curate.export.targets import get_target
from curate.records import Record
from curate.split.ratios import SPLITS
from curate.store.runs import latest_run_id
from curate.store.split_facts import (
    Checks,
    Fact,
    load_checks,
    load_clusters,
    load_contaminated,
    load_facts,
)

if TYPE_CHECKING:
    from curate.workspace import Workspace


class NothingToExport(CurateError):
    """No record passes the policy for the train split (a finding: exit 1).

    ``left_out`` counts the records left out by reason; the fix points at where they are
    shown: the printed policy, or (``for_json``) the JSON object's ``left_out``.
    """

    exit_code = 1
    STATUS_HINT = "`curate status` shows reviews, checks and splits."

    def __init__(self, kind: str, left_out: dict[str, int] | None = None) -> None:
        self.kind = kind
        self.left_out = dict(left_out or {})
        super().__init__(
            f"No {kind} record passes the export policy for the train split, so nothing "
            "was written.",
            f"See the records left out above; {self.STATUS_HINT}",
        )

    def for_json(self) -> NothingToExport:
        """The same refusal, worded for ``--json`` output (nothing is printed above it)."""
        error = NothingToExport(self.kind, self.left_out)
        counts = ", ".join(f"{k} {n}" for k, n in self.left_out.items())
        error.fix = (
            "The JSON object counts the records left out by reason under left_out"
            + (f" ({counts})" if counts else " (none)")
            + f"; {self.STATUS_HINT}"
        )
        return error


@dataclass(kw_only=True)
class ExportPlan:
    """What an export will write, and why every other record is left out."""

    target: Target
    layout: Layout
    container: str
    options: PolicyOptions
    selection: Selection
    records: dict[str, list[Record]]
    rows: dict[str, list[dict[str, Any]]]
    shares: dict[str, Share]
    checks: Checks
    dedupe_run: int | None
    split_run: int | None
    facts: list[Fact]
    notes: list[str] = field(default_factory=list)
    refusal: CurateError | None = None
    contamination_run: int | None = None
    unsupported: list[str] = field(default_factory=list)  # sentences, first few

    @property
    def overall(self) -> Share:
        return Share(
            "overall",
            sum(s.synthetic for s in self.shares.values()),
            sum(s.total for s in self.shares.values()),
        )

    @property
    def exported_ids(self) -> list[str]:
        return [r.id for s in SPLITS for r in self.records[s]]

    @property
    def findings(self) -> dict[str, Any]:
        """What the exported records still carry (see ``policy.exported_findings``)."""
        return exported_findings(self.exported_ids, self.facts, self.options, self.checks)

    @property
    def rules(self) -> list[str]:
        return self.options.rules(self.checks.run_id, self.dedupe_run, self.contamination_run)


def choose_kind(target: Target, facts: list[Fact], asked: str | None) -> tuple[str, list[str]]:
    """The kind to export, and notes about records of other kinds the export leaves out."""
    live = Counter(f.kind for f in facts if f.state != "edited")
    if asked is not None:
        if asked not in target.kinds:
            raise UsageError(
                f"The {target.name} export holds {' and '.join(target.kinds)} records, not {asked}.",
                "Pick another --format or --kind.",
            )
        kind = asked
    else:
        present = [k for k in target.kinds if live[k]]
        kind = present[0] if present else target.kinds[0]
    notes = []
    for other, n in sorted(live.items()):
        if other == kind or not n:
            continue
        if other in target.kinds:
            notes.append(f"{n} {other} records are left out: export them with --kind {other}.")
        else:
            notes.append(
                f"{n} {other} records are left out: the {target.name} export cannot hold them."
            )
    return kind, notes


def plan_export(
    ws: Workspace,
    fmt: str,
    *,
    kind: str | None = None,
    container: str | None = None,
    cap_synthetic: bool = False,
    include_unapproved: bool = False,
    skip_checks: bool = False,
) -> ExportPlan:
    """Decide what ``curate export --format FMT`` writes (see the module docstring)."""
    target = get_target(fmt)
    chosen_container = target.container(container)
    store = ws.store
    facts = load_facts(store)
    kind, notes = choose_kind(target, facts, kind)
    checks = load_checks(store)
    if checks.run_id is None and not skip_checks:
        raise UsageError(
            "The checklist has not run on this workspace, so export cannot tell which records pass it.",
            "Run `curate validate` first (or pass --skip-checks to export without it; the "
            "manifest records that).",
        )
    split_run = latest_run_id(store.db, "split")
    if not any(f.split for f in facts):
        raise UsageError(
            "No record is assigned to a split yet.", "Run `curate split` first, then export."
        )
    dedupe_run, clusters = load_clusters(store)
    severity, overrides = check_policy(ws, checks)
    options = PolicyOptions(
        kind=kind,
        skip_checks=skip_checks,
        include_unapproved=include_unapproved,
        require_real_approval=ws.settings.export.require_real_approval,
        cap_synthetic=cap_synthetic,
        max_synthetic_share=ws.settings.max_synthetic_share,
        approved_overrides_errors=overrides,
        severity=severity,
    )
    selection = select(facts, options, checks, clusters, load_contaminated(store))
    loaded = store.get_many([i for s in SPLITS for i in selection.kept[s]])
    records = {s: [loaded[i] for i in selection.kept[s]] for s in SPLITS}
    layout = target.layout([r for s in SPLITS for r in records[s]], kind)
    plan = ExportPlan(
        target=target,
        layout=layout,
        container=chosen_container,
        options=options,
        selection=selection,
        records=records,
        rows={},
        shares={},
        checks=checks,
        dedupe_run=dedupe_run,
        split_run=split_run,
        facts=facts,
        notes=notes,
    )
    plan.contamination_run = latest_run_id(store.db, "contamination")
    render_rows(plan)
    guard(plan)
    if plan.refusal is None and not plan.rows["train"]:
        plan.refusal = NothingToExport(kind, plan.selection.left_out_dict())
    return plan


def check_policy(ws: Workspace, checks: Checks) -> tuple[dict[str, str], bool]:
    """Each failed code's severity and ``export.approved_overrides_errors``: as the latest
    `curate validate` run recorded them (so export applies the policy validate reported),
    else from the workspace's rubric (a run stored before severities were recorded)."""
    stored_severity = checks.summary.get("severity")
    stored_export = checks.summary.get("export")
    if isinstance(stored_severity, dict) and isinstance(stored_export, dict):
        return dict(stored_severity), bool(stored_export.get("approved_overrides_errors"))
    from curate.checks.annotate import workspace_rubric

    rubric = workspace_rubric(ws)
    codes = {c for found in checks.failed.values() for c in found}
    severity = {c: rubric.level(c) for c in codes} | dict(stored_severity or {})
    export = stored_export if isinstance(stored_export, dict) else rubric.export.model_dump()
    return severity, bool(export.get("approved_overrides_errors"))


def render_rows(plan: ExportPlan) -> None:
    """Render every kept record; one the target cannot hold is left out with its reason."""
    for split in SPLITS:
        kept_records, rows = [], []
        for record in plan.records[split]:
            try:
                row = plan.target.render(record, plan.layout)
            except RowError as exc:
                plan.selection.leave_out(record.id, "unsupported_in_target")
                if len(plan.unsupported) < 5:
                    plan.unsupported.append(f"{record.id}: {exc.message}")
                continue
            kept_records.append(record)
            rows.append(row)
        plan.records[split], plan.rows[split] = kept_records, rows


def guard(plan: ExportPlan) -> None:
    """Measure each split's synthetic share; cap it or set the refusal."""
    limit = plan.options.max_synthetic_share
    for split in SPLITS:
        records = plan.records[split]
        synthetic = {r.id for r in records if r.provenance.origin == "synthetic"}
        share = Share(split, len(synthetic), len(records))
        if share.over(limit) and plan.options.cap_synthetic:
            kept, dropped = cap_split([r.id for r in records], synthetic, limit, plan.checks)
            keep = set(kept)
            pairs = [
                (r, row) for r, row in zip(records, plan.rows[split], strict=True) if r.id in keep
            ]
            plan.records[split] = [r for r, _ in pairs]
            plan.rows[split] = [row for _, row in pairs]
            for record_id in dropped:
                plan.selection.leave_out(record_id, "over_synthetic_cap")
            share = Share(split, len(synthetic) - len(dropped), len(kept))
        elif share.over(limit) and plan.refusal is None:
            plan.refusal = SyntheticShareExceeded(share, limit)
        plan.shares[split] = share
