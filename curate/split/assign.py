"""Assign units (duplicate clusters, or single records) to splits: seeded, stratified, frozen test.

A *unit* is a set of records that must share a split: a duplicate cluster, or one record. The
ratios apply to units (a cluster counts once: only its representative is exported). Records
already assigned keep their split; a unit with a member in test goes to test as a whole (the
test split is frozen: nothing ever leaves it), and members of a unit found in train and
validation join the split of the unit's representative (or of most of its members), so that
no cluster crosses splits. The free units of each stratum are then dealt, in a seeded random
order, to the splits furthest below their targets.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field

from curate.split.ratios import SPLITS, Ratios, targets


@dataclass
class Unit:
    """Records that must land in the same split."""

    key: str
    members: list[str]
    stratum: str
    prior: dict[str, str] = field(default_factory=dict)  # member -> split it (or its parent) has


@dataclass
class Plan:
    """What :func:`plan_split` decided."""

    assignments: dict[str, str]
    units: dict[str, int]
    strata: dict[str, dict[str, int]]
    new: int = 0
    kept: int = 0
    moved: int = 0


def order_key(seed: int, key: str) -> bytes:
    """The seeded shuffle position of a unit: stable across runs and insertion orders."""
    return hashlib.blake2b(f"{seed}\x00{key}".encode(), digest_size=12).digest()


def fixed_split(unit: Unit) -> str | None:
    """The split an already-assigned unit keeps (None for a unit with no assigned member)."""
    if not unit.prior:
        return None
    splits = set(unit.prior.values())
    if "test" in splits:
        return "test"
    if len(splits) == 1:
        return splits.pop()
    if unit.key in unit.prior:  # the representative's split
        return unit.prior[unit.key]
    counts = Counter(unit.prior.values())
    return max(sorted(counts), key=lambda s: (counts[s], -SPLITS.index(s)))


def deal(free: int, target: dict[str, int], have: dict[str, int], ratios: Ratios) -> dict[str, int]:
    """How many of ``free`` new units each split gets: always the one furthest below target."""
    if (
        all(have[s] <= target[s] for s in SPLITS)
        and sum(target.values()) - sum(have.values()) == free
    ):
        return {s: target[s] - have[s] for s in SPLITS}
    got = dict.fromkeys(SPLITS, 0)
    current = dict(have)
    for _ in range(free):
        best = max(
            SPLITS,
            key=lambda s: (target[s] - current[s], ratios.of(s), -SPLITS.index(s)),
        )
        got[best] += 1
        current[best] += 1
    return got


def plan_split(
    units: list[Unit], ratios: Ratios, seed: int, existing: dict[str, str] | None = None
) -> Plan:
    """Assign every member of every unit to a split (see the module docstring).

    ``existing`` is each record's current split; a unit's ``prior`` may also hold splits
    inherited from outside (a parent version's split).
    """
    existing = existing or {}
    by_stratum: dict[str, list[Unit]] = {}
    for u in units:
        by_stratum.setdefault(u.stratum, []).append(u)
    goal = targets({name: len(us) for name, us in by_stratum.items()}, ratios)
    plan = Plan({}, dict.fromkeys(SPLITS, 0), {})
    for name in sorted(by_stratum):
        have = dict.fromkeys(SPLITS, 0)
        free: list[Unit] = []
        for u in by_stratum[name]:
            split = fixed_split(u)
            if split is None:
                free.append(u)
                continue
            have[split] += 1
            _place(plan, u, split, existing)
        counts = deal(len(free), goal[name], have, ratios)
        free.sort(key=lambda u: order_key(seed, u.key))
        start = 0
        for split in ("test", "validation", "train"):
            for u in free[start : start + counts[split]]:
                _place(plan, u, split, existing)
            start += counts[split]
            have[split] += counts[split]
        plan.strata[name] = {s: have[s] for s in SPLITS}
        for s in SPLITS:
            plan.units[s] += have[s]
    return plan


def _place(plan: Plan, unit: Unit, split: str, existing: dict[str, str]) -> None:
    for member in unit.members:
        before = existing.get(member)
        plan.assignments[member] = split
        if before is None:
            plan.new += 1
        elif before == split:
            plan.kept += 1
        else:
            plan.moved += 1
