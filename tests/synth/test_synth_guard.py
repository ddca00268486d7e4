"""The real:synthetic guard's arithmetic and its message."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from curate.synth.guard import RatioCheck, RatioExceeded, check_ratio


def share(real: int, synthetic: int) -> float:
    return synthetic / (real + synthetic) if real + synthetic else 0.0


@given(st.integers(0, 5000), st.integers(0, 5000), st.sampled_from([0.1, 0.25, 0.3, 0.5, 0.9]))
def test_fits_now_is_the_largest_allowed_request(real: int, synthetic: int, m: float) -> None:
    k = RatioCheck(real, synthetic, 0, m).fits_now
    if k:
        assert share(real, synthetic + k) <= m + 1e-9
    assert share(real, synthetic + k + 1) > m - 1e-9 or real + synthetic + k + 1 == 0


@given(
    st.integers(0, 5000),
    st.integers(0, 5000),
    st.integers(1, 500),
    st.sampled_from([0.1, 0.3, 0.5]),
)
def test_real_needed_is_the_fewest_that_make_room(
    real: int, synthetic: int, k: int, m: float
) -> None:
    need = RatioCheck(real, synthetic, k, m).real_needed
    assert need is not None
    assert share(real + need, synthetic + k) <= m + 1e-9
    if need:
        assert share(real + need - 1, synthetic + k) > m - 1e-9


def test_message_names_both_ways_out() -> None:
    with pytest.raises(RatioExceeded) as info:
        check_ratio(70, 25, 10, 0.30)
    text = str(info.value)
    assert "(70 real, 25 synthetic now)" in text
    assert "at most 5 (-n 5)" in text and "import 12 more real records" in text


def test_limits_at_the_edges() -> None:
    assert check_ratio(0, 0, 10, 1.0).allowed
    with pytest.raises(RatioExceeded) as info:
        check_ratio(100, 0, 1, 0.0)
    assert "import" not in str(info.value)  # no number of real records makes room
    assert check_ratio(7, 3, 0, 0.3).requested == 0  # nothing asked, nothing refused
