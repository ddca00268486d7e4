"""Split units for the pipeline: a duplicate cluster or a single record, dealt by the split
planner (seeded, stratified) so every member of a cluster lands in one split."""

from __future__ import annotations

from curate.pipeline.plan import PipelinePlan
from curate.split.assign import Unit, plan_split
from curate.split.run import ALL


def assign_splits(units: dict[str, str], plan: PipelinePlan) -> dict[str, str]:
    """Unit key (cluster id or record id) -> split, from each unit's stratum."""
    s = plan.settings.split
    strata = set(units.values())
    if s.stratify_by is None or strata <= {"(none)"}:  # no record carries the tag
        units = dict.fromkeys(units, ALL)
    found = plan_split([Unit(k, [k], v) for k, v in units.items()], plan.ratios, s.seed)
    return found.assignments
