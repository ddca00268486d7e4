"""Locality-sensitive hashing: which pairs of signatures are worth an exact comparison.

A signature of ``num_perm`` values is cut into ``bands`` bands of ``rows`` values; two
documents become a candidate pair when any band is equal. The probability for a pair of
Jaccard similarity ``s`` is ``1 - (1 - s**rows)**bands``. ``bands`` and ``rows`` come from
datasketch's own optimiser (``MinHashLSH``'s ``_optimal_param``) at the threshold, with
false negatives weighted 0.95 and false positives 0.05: every candidate pair is then
checked by exact Jaccard, so a missed pair costs recall while an extra one only costs
time. At the defaults (threshold 0.8, 128 permutations) that is 16 bands of 8 rows: a
pair at similarity 0.8 becomes a candidate with probability 0.95, one at 0.85 with 0.99.

Two ways to find candidates give the same pairs:

- :func:`band_pairs` (the default): a 64-bit hash per band, sorted with numpy, equal runs
  grouped. Memory is 8 bytes per record and band, so a million records fit easily.
- :func:`index_pairs`: datasketch's ``MinHashLSH`` index, one ``LeanMinHash`` per record
  (what :mod:`curate.dedup.against` uses to look up records in a reference dataset).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

import numpy as np

from curate.dedup.minhash import _const, fmix64, lean, sorted_unique

FALSE_NEGATIVE_WEIGHT = 0.95
MAX_BUCKET = 32  # a bucket with more members is linked as a star plus a chain, not all pairs
MERGE_PAIRS = 4_000_000  # candidate pairs gathered across bands before repeats are merged


@cache
def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """``(bands, rows)`` for a Jaccard threshold (datasketch's optimiser, recall-weighted)."""
    t = min(max(threshold, 0.01), 0.99)
    bands, rows = optimal_param(t, num_perm, 1 - FALSE_NEGATIVE_WEIGHT, FALSE_NEGATIVE_WEIGHT)
    if bands < 2:  # MinHashLSH needs two bands at least
        bands, rows = 2, num_perm // 2
    return int(bands), int(rows)


_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(48)


def _integral(f: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Gauss-Legendre quadrature over ``[lo, hi]`` of ``f(s)`` given at the mapped nodes."""
    return (hi - lo) / 2 * (f * _WEIGHTS).sum(axis=-1)


def optimal_param(
    threshold: float, num_perm: int, false_positive_weight: float, false_negative_weight: float
) -> tuple[int, int]:
    """datasketch's ``MinHashLSH._optimal_param`` (the ``(bands, rows)`` minimising the
    weighted false positive and false negative probability mass around ``threshold``),
    vectorised with numpy quadrature instead of scipy's ``quad`` per candidate: a test checks
    both choose the same parameters."""
    bands, rows = zip(*[(b, r) for b in range(1, num_perm + 1) for r in range(1, num_perm // b + 1)], strict=True)
    b = np.array(bands, dtype=np.float64)[:, None]
    r = np.array(rows, dtype=np.float64)[:, None]
    below = threshold / 2 * (_NODES + 1)
    above = threshold + (1 - threshold) / 2 * (_NODES + 1)
    fp = _integral(1 - (1 - below[None, :] ** r) ** b, 0.0, threshold)
    fn = _integral((1 - above[None, :] ** r) ** b, threshold, 1.0)
    best = int(np.argmin(fp * false_positive_weight + fn * false_negative_weight))
    return bands[best], rows[best]


@cache
def _band_weights(rows: int) -> np.ndarray:
    return _const("band", rows) | np.uint64(1)


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """The ``(n, bands)`` uint64 hash of each band of each signature."""
    weights = _band_weights(rows)
    n = len(signatures)
    acc = np.zeros((n, bands), dtype=np.uint64)
    used = signatures[:, : bands * rows].reshape(n, bands, rows)
    for j in range(rows):  # all bands at once, one row position at a time
        acc += used[:, :, j].astype(np.uint64) * weights[j]
    acc ^= np.arange(1, bands + 1, dtype=np.uint64)
    return fmix64(acc)


def bucket_pairs(keys: np.ndarray, max_bucket: int = MAX_BUCKET) -> np.ndarray:
    """Pairs ``(i, j)``, ``i < j``, of positions whose keys are equal.

    Within a bucket of more than ``max_bucket`` members only a star (the first member with
    each other) and a chain (each member with the next) are returned: enough to connect
    them when they are alike, without a quadratic number of pairs. Members are taken in
    position order, so callers that want order independence sort positions first.
    """
    order = np.argsort(keys, kind="stable")
    k = keys[order]
    starts = np.flatnonzero(np.concatenate(([True], k[1:] != k[:-1])))
    sizes = np.diff(np.append(starts, len(k)))
    found: list[np.ndarray] = []
    for size in np.unique(sizes[sizes >= 2]):
        members = order[starts[sizes == size][:, None] + np.arange(size)]
        members.sort(axis=1)
        if size <= max_bucket:
            i, j = np.triu_indices(int(size), 1)
            found.append(np.stack([members[:, i].ravel(), members[:, j].ravel()], axis=1))
        else:
            star = np.stack([np.repeat(members[:, :1], size - 1, axis=1), members[:, 1:]], axis=2)
            chain = np.stack([members[:, 1:-1], members[:, 2:]], axis=2)
            found.extend([star.reshape(-1, 2), chain.reshape(-1, 2)])
    if not found:
        return np.empty((0, 2), dtype=np.int64)
    return np.concatenate(found).astype(np.int64)


def unique_pairs(parts: Iterable[np.ndarray], n: int) -> np.ndarray:
    """The distinct pairs among ``parts`` (each ``(m, 2)`` with ``i < j < n``), sorted."""
    codes = sorted_unique(np.concatenate([p[:, 0] * n + p[:, 1] for p in parts] or [np.empty(0, np.int64)]))
    return np.stack([codes // n, codes % n], axis=1) if len(codes) else np.empty((0, 2), np.int64)


def band_pairs(columns: Iterable[np.ndarray], n: int) -> np.ndarray:
    """Candidate pairs of positions ``0..n-1`` from per-band key arrays (one per band)."""
    found: list[np.ndarray] = [np.empty(0, dtype=np.int64)]
    pending = 0
    for keys in columns:
        pairs = bucket_pairs(keys)
        if len(pairs):
            found.append(pairs[:, 0] * n + pairs[:, 1])
            pending += len(pairs)
            if pending > MERGE_PAIRS:  # bound the memory of repeats across bands
                found, pending = [sorted_unique(np.concatenate(found))], 0
    codes = sorted_unique(np.concatenate(found))
    return np.stack([codes // n, codes % n], axis=1) if len(codes) else np.empty((0, 2), np.int64)


def index_pairs(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """Candidate pairs through datasketch's ``MinHashLSH`` (the same pairs as
    :func:`band_pairs` over :func:`band_keys`, slower: a Python object per record)."""
    from datasketch import MinHashLSH

    index = MinHashLSH(num_perm=signatures.shape[1], params=(bands, rows))
    sketches = [lean(row) for row in signatures]
    with index.insertion_session() as session:
        for pos, sketch in enumerate(sketches):
            session.insert(pos, sketch, check_duplication=False)
    pairs = [
        (pos, other)
        for pos, sketch in enumerate(sketches)
        for other in index.query(sketch)
        if other > pos
    ]
    return unique_pairs([np.array(pairs, dtype=np.int64).reshape(-1, 2)], len(signatures))
