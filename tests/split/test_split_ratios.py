"""Ratios: parsing, the test-range warning, and per-stratum targets within one unit."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from curate.errors import UsageError
from curate.split.ratios import SPLITS, Ratios, targets


def test_parse_accepts_fractions_and_percentages() -> None:
    assert Ratios.parse("0.8,0.1,0.1") == Ratios(0.8, 0.1, 0.1)
    assert Ratios.parse(" 70 / 15 / 15 ") == Ratios(0.7, 0.15, 0.15)


@pytest.mark.parametrize(
    "text", ["0.8,0.1", "a,b,c", "0.5,0.5,0.5", "1,1,1", "-0.1,0.6,0.5", "nan,0,1"]
)
def test_parse_refuses_bad_ratios_with_the_fix(text: str) -> None:
    with pytest.raises(UsageError) as err:
        Ratios.parse(text)
    assert "0.8,0.1,0.1" in str(err.value)


def test_test_share_warning_outside_the_guide_range() -> None:
    assert Ratios(0.8, 0.1, 0.1).test_warning() is None
    assert Ratios(0.7, 0.1, 0.2).test_warning() is None
    assert "5%" in (Ratios(0.9, 0.05, 0.05).test_warning() or "")
    assert "30%" in (Ratios(0.6, 0.1, 0.3).test_warning() or "")


ratio_weights = st.tuples(*(st.integers(0, 10) for _ in SPLITS)).filter(lambda t: sum(t) > 0)


@given(
    sizes=st.dictionaries(st.sampled_from("abcdefgh"), st.integers(0, 60), max_size=8),
    weights=ratio_weights,
)
def test_targets_are_within_one_unit_per_stratum_and_overall(
    sizes: dict[str, int], weights: tuple[int, ...]
) -> None:
    ratios = Ratios(*(w / sum(weights) for w in weights))
    got = targets(sizes, ratios)
    total = sum(sizes.values())
    for name, n in sizes.items():
        assert sum(got[name].values()) == n
        for s in SPLITS:
            assert abs(got[name][s] - ratios.of(s) * n) < 1 + 1e-9
            if ratios.of(s) == 0:
                assert got[name][s] == 0
    for s in SPLITS:
        overall = sum(got[name][s] for name in sizes)
        assert abs(overall - ratios.of(s) * total) < 2 + 1e-9
