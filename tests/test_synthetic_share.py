"""The synthetic share rule: one share, one tolerance, and the room it leaves."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from curate.checks.rubric import ReadinessOptions
from curate.export.policy import PolicyOptions
from curate.settings import DEFAULT_MAX_SYNTHETIC_SHARE, Settings
from curate.synthetic_share import (
    UNLIMITED,
    allowed_synthetic,
    over_limit,
    real_needed,
    share,
)

limits = st.one_of(
    st.sampled_from([0.0, 0.1, 0.25, 0.28, 0.3, 0.5, 0.9, 0.999]),
    st.floats(0, 0.999, allow_nan=False),
)


@given(st.integers(0, 10**7), limits)
def test_allowed_synthetic_is_the_largest_count_within_the_limit(real: int, limit: float) -> None:
    n = allowed_synthetic(real, limit)
    assert not over_limit(n, real + n, limit)
    assert over_limit(n + 1, real + n + 1, limit)


@given(st.integers(0, 10**7), limits)
def test_real_needed_is_the_fewest_real_records_within_the_limit(
    synthetic: int, limit: float
) -> None:
    r = real_needed(synthetic, limit)
    if r is None:
        assert limit <= 0 and synthetic > 0
        return
    assert not over_limit(synthetic, r + synthetic, limit)
    if r:
        assert over_limit(synthetic, r - 1 + synthetic, limit)


def test_the_limit_itself_is_within_it() -> None:
    assert not over_limit(30, 100, 0.30) and not over_limit(3, 10, 0.3)
    assert over_limit(30_001, 100_000, 0.30)  # 30.001%: over, though it rounds to 30.00%
    assert share(0, 0) == 0.0 and not over_limit(0, 0, 0.0)
    assert allowed_synthetic(10, 1.0) == UNLIMITED


def test_the_default_limit_has_one_home() -> None:
    assert Settings().max_synthetic_share == DEFAULT_MAX_SYNTHETIC_SHARE
    assert ReadinessOptions().max_synthetic_share == DEFAULT_MAX_SYNTHETIC_SHARE
    assert PolicyOptions().max_synthetic_share == DEFAULT_MAX_SYNTHETIC_SHARE
