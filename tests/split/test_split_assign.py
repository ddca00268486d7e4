"""Split invariants (hypothesis): clusters never cross splits, ratios hold within one unit per
stratum, the seed decides, and the test split stays frozen when data is added."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from curate.split.assign import Unit, plan_split
from curate.split.ratios import SPLITS, Ratios

RATIOS = st.sampled_from(
    [
        Ratios(0.8, 0.1, 0.1),
        Ratios(0.7, 0.15, 0.15),
        Ratios(0.6, 0.2, 0.2),
        Ratios(0.5, 0.0, 0.5),
        Ratios(1.0, 0.0, 0.0),
    ]
)


@st.composite
def unit_sets(draw: st.DrawFn, prefix: str = "r") -> list[Unit]:
    """Units of 1-4 members over a few strata; every record id is unique."""
    sizes = draw(st.lists(st.integers(1, 4), max_size=60))
    strata = draw(
        st.lists(
            st.sampled_from(["spark", "sql", "kafka", "(none)"]),
            min_size=len(sizes),
            max_size=len(sizes),
        )
    )
    units, n = [], 0
    for size, stratum in zip(sizes, strata, strict=True):
        members = [f"{prefix}{n + i}" for i in range(size)]
        n += size
        units.append(Unit(members[0], members, stratum))
    return units


def unit_of(units: list[Unit]) -> dict[str, Unit]:
    return {m: u for u in units for m in u.members}


@given(units=unit_sets(), ratios=RATIOS, seed=st.integers(0, 2**32))
def test_every_record_is_assigned_and_no_cluster_crosses_splits(
    units: list[Unit], ratios: Ratios, seed: int
) -> None:
    plan = plan_split(units, ratios, seed)
    assert set(plan.assignments) == {m for u in units for m in u.members}
    for u in units:
        assert len({plan.assignments[m] for m in u.members}) == 1


@given(units=unit_sets(), ratios=RATIOS, seed=st.integers(0, 2**32))
def test_ratios_hold_within_one_unit_per_stratum(
    units: list[Unit], ratios: Ratios, seed: int
) -> None:
    plan = plan_split(units, ratios, seed)
    for stratum in {u.stratum for u in units}:
        mine = [u for u in units if u.stratum == stratum]
        for s in SPLITS:
            got = sum(1 for u in mine if plan.assignments[u.key] == s)
            assert got == plan.strata[stratum][s]
            assert abs(got - ratios.of(s) * len(mine)) < 1 + 1e-9, (stratum, s, got, len(mine))


@given(units=unit_sets(), ratios=RATIOS, seed=st.integers(0, 2**32), shuffle=st.randoms())
def test_same_seed_same_split_whatever_the_order(
    units: list[Unit], ratios: Ratios, seed: int, shuffle: random.Random
) -> None:
    first = plan_split(units, ratios, seed).assignments
    again = list(units)
    shuffle.shuffle(again)
    assert plan_split(again, ratios, seed).assignments == first


def test_another_seed_gives_another_split() -> None:
    units = [Unit(f"r{i}", [f"r{i}"], "all") for i in range(200)]
    a = plan_split(units, Ratios(), 1).assignments
    b = plan_split(units, Ratios(), 2).assignments
    assert a != b
    assert sorted(a.values()) == sorted(b.values())  # the same counts, other records


@settings(max_examples=150)
@given(
    old=unit_sets("old"),
    new=unit_sets("new"),
    grow=st.lists(st.integers(0, 10_000), max_size=15),
    ratios=RATIOS,
    seed=st.integers(0, 2**32),
)
def test_test_split_is_frozen_when_data_is_added(
    old: list[Unit], new: list[Unit], grow: list[int], ratios: Ratios, seed: int
) -> None:
    first = plan_split(old, ratios, seed).assignments
    # later: new records, some of them joining existing clusters
    later = [Unit(u.key, list(u.members), u.stratum) for u in old]
    for n, pick in enumerate(grow):
        if later:
            later[pick % len(later)].members.append(f"joined{n}")
    for u in later:
        u.prior = {m: first[m] for m in u.members if m in first}
    second = plan_split(later + new, ratios, seed, existing=first)
    for record_id, split in first.items():
        assert second.assignments[record_id] == split  # nothing existing moves
    for u in later:
        if first[u.members[0]] == "test":
            assert all(second.assignments[m] == "test" for m in u.members)
        assert len({second.assignments[m] for m in u.members}) == 1
    assert second.kept == len(first) and second.moved == 0


def test_merged_clusters_move_to_test_and_never_out_of_it() -> None:
    # r1 was in train, r2 in test; a later dedupe run finds them duplicates of each other
    unit = Unit("r1", ["r1", "r2", "r3"], "all", prior={"r1": "train", "r2": "test"})
    plan = plan_split([unit], Ratios(), 7, existing={"r1": "train", "r2": "test"})
    assert plan.assignments == {"r1": "test", "r2": "test", "r3": "test"}
    assert (plan.moved, plan.kept, plan.new) == (1, 1, 1)


def test_train_and_validation_members_join_the_representative() -> None:
    unit = Unit("a", ["a", "b", "c"], "all", prior={"a": "validation", "b": "train", "c": "train"})
    plan = plan_split([unit], Ratios(), 7, existing={"a": "validation", "b": "train", "c": "train"})
    assert set(plan.assignments.values()) == {"validation"}
