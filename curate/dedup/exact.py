"""Exact duplicates: a 128-bit key of the normalised text, and groups of equal keys."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xxhash

from curate.dedup.minhash import fmix64

_G1 = np.uint64(0x9E3779B97F4A7C15)
_G2 = np.uint64(0xC2B2AE3D27D4EB4F)


def exact_keys(docs: Sequence[bytes]) -> np.ndarray:
    """The ``(n, 2)`` uint64 xxh3-128 hash of each normalised text."""
    digests = b"".join(xxhash.xxh3_128_digest(d) for d in docs)
    return np.frombuffer(digests, dtype=np.uint64).reshape(-1, 2).copy()


def sequence_keys(words: np.ndarray, doc: np.ndarray, ndocs: int) -> np.ndarray:
    """The ``(ndocs, 2)`` uint64 key of each document's word sequence, from the word hashes
    of :func:`curate.dedup.minhash.word_hashes`: equal exactly when the words are (with
    probability 1 - 2**-64 per pair otherwise). This is the exact key when whitespace is
    folded: the normalised text is then its words joined by single spaces."""
    counts = np.bincount(doc, minlength=ndocs)
    first = np.cumsum(counts) - counts
    pos = (np.arange(len(words)) - first[doc] + 1).astype(np.uint64)
    out = np.zeros((ndocs, 2), dtype=np.uint64)
    for col, (mult, salt) in enumerate(((_G1, _G2), (_G2, _G1))):
        mixed = fmix64((words ^ salt) + pos * mult)
        total = np.concatenate(([np.uint64(0)], np.cumsum(mixed, dtype=np.uint64)))
        out[:, col] = total[first + counts] - total[first]
        out[:, col] ^= fmix64(counts.astype(np.uint64) * mult)
    return out


def id_order(ids: Sequence[str]) -> np.ndarray:
    """A uint64 per record id that orders records independently of input order."""
    return np.fromiter((xxhash.xxh3_64_intdigest(i.encode()) for i in ids), np.uint64, len(ids))


def leaders(
    keys: np.ndarray, groups: np.ndarray, order_key: np.ndarray, usable: np.ndarray
) -> np.ndarray:
    """For each document, the index of the first member of its exact group (same group
    and same key; "first" by ``order_key``, then position), or -1 where not ``usable``.

    >>> k = np.array([[1, 1], [2, 2], [1, 1]], dtype=np.uint64)
    >>> leaders(k, np.zeros(3, np.uint8), np.array([5, 1, 3], np.uint64), np.ones(3, bool)).tolist()
    [2, 1, 2]
    """
    out = np.full(len(keys), -1, dtype=np.int64)
    idx = np.flatnonzero(usable)
    if not len(idx):
        return out
    order = idx[np.lexsort((order_key[idx], keys[idx, 1], keys[idx, 0], groups[idx]))]
    k0, k1, g = keys[order, 0], keys[order, 1], groups[order]
    new = np.ones(len(order), dtype=bool)
    new[1:] = (k0[1:] != k0[:-1]) | (k1[1:] != k1[:-1]) | (g[1:] != g[:-1])
    first = np.maximum.accumulate(np.where(new, np.arange(len(order)), 0))
    out[order] = order[first]
    return out
