"""LSH: the numpy band path finds the same candidate pairs as datasketch's MinHashLSH."""

from __future__ import annotations

import numpy as np
import pytest

from curate.dedup.lsh import band_keys, band_pairs, bucket_pairs, index_pairs, lsh_params


def test_default_parameters_favour_recall() -> None:
    bands, rows = lsh_params(0.8, 128)
    assert (bands, rows) == (16, 8)
    assert 1 - (1 - 0.8**rows) ** bands > 0.94
    assert lsh_params(1.0, 128)[0] >= 2  # datasketch's index needs two bands


def test_band_pairs_equal_datasketch_index_pairs() -> None:
    gen = np.random.default_rng(5)
    sigs = gen.integers(0, 2**32, size=(300, 128), dtype=np.uint64).astype(np.uint32)
    for a, b, band in [(1, 2, 0), (3, 4, 7), (5, 6, 15), (7, 8, 3), (8, 9, 9), (10, 200, 1)]:
        sigs[b, band * 8 : band * 8 + 8] = sigs[a, band * 8 : band * 8 + 8]
    sigs[250:260] = sigs[249]  # a bucket of 11 identical signatures
    keys = band_keys(sigs, 16, 8)
    ours = band_pairs((keys[:, b] for b in range(16)), len(sigs))
    theirs = index_pairs(sigs, 16, 8)
    assert ours.tolist() == theirs.tolist()
    assert {(1, 2), (3, 4), (5, 6), (7, 8), (8, 9), (10, 200), (249, 259)} <= set(map(tuple, ours.tolist()))


def test_a_big_bucket_is_linked_by_a_star_and_a_chain_not_all_pairs() -> None:
    keys = np.zeros(40, dtype=np.uint64)
    pairs = bucket_pairs(keys, max_bucket=32)
    assert len(pairs) == 39 + 38
    assert {(0, i) for i in range(1, 40)} <= set(map(tuple, pairs.tolist()))
    assert len(bucket_pairs(keys[:32], max_bucket=32)) == 32 * 31 // 2


@pytest.mark.parametrize("num_perm", [32, 128, 256])
def test_the_numpy_optimiser_chooses_datasketchs_bands_and_rows(num_perm: int) -> None:
    from datasketch.lsh import _optimal_param

    from curate.dedup.lsh import optimal_param

    for t in [x / 20 for x in range(1, 20)]:
        assert optimal_param(t, num_perm, 0.05, 0.95) == _optimal_param(t, num_perm, 0.05, 0.95)
