"""Vectorised signatures equal datasketch's; word, shingle and Jaccard helpers."""

from __future__ import annotations

import random

import numpy as np
import pytest
from datasketch import LeanMinHash, MinHash
from dedup_helpers import sentence
from hypothesis import given, settings
from hypothesis import strategies as st

from curate.dedup.exact import sequence_keys
from curate.dedup.minhash import (
    jaccard,
    lean,
    pair_jaccard,
    shingle_hashes,
    shingle_sets,
    signatures,
    word_hashes,
)
from curate.dedup.normalise import Normaliser


def datasketch_signature(hashes: np.ndarray, num_perm: int) -> np.ndarray:
    m = MinHash(num_perm=num_perm, seed=1, scheme="affine32", hashfunc=int)
    if len(hashes):
        m.update_batch(hashes.tolist())
    return m.hashvalues


def test_signatures_equal_datasketch_affine32_minhash(rng: random.Random) -> None:
    lengths = [0, 1, 3, 4, 5, 6, 40, 200, 3000]  # empty, under k words, and over one block
    docs = [Normaliser().encode(sentence(rng, n)) if n else b"" for n in lengths]
    for num_perm in (16, 128):
        hashes, counts = shingle_hashes(docs, 5)
        sigs = signatures(hashes, counts, num_perm)
        parts = np.split(hashes, np.cumsum(counts)[:-1])
        assert counts.tolist() == [0, 1, 1, 1, 1, 2, 36, 196, 2996]
        for i, part in enumerate(parts):
            assert (sigs[i] == datasketch_signature(part, num_perm)).all(), lengths[i]
    wrapped = lean(sigs[6])
    assert isinstance(wrapped, LeanMinHash) and wrapped.jaccard(lean(sigs[6])) == 1.0


def test_equal_words_hash_equal_and_different_words_differ() -> None:
    docs = [b"alpha  beta gamma", b" gamma alpha ", b"a" * 30 + b" " + b"a" * 29 + b"b"]
    hashes, doc = word_hashes(docs)
    assert doc.tolist() == [0, 0, 0, 1, 1, 2, 2]
    assert hashes[0] == hashes[4] and hashes[2] == hashes[3]
    assert len(set(hashes.tolist())) == 5  # long words differing in the last byte differ


def test_sequence_keys_depend_on_words_and_their_order() -> None:
    docs = [b"a b c", b"a  b c ", b"c b a", b"a b", b""]
    hashes, doc = word_hashes(docs)
    keys = [tuple(k) for k in sequence_keys(hashes, doc, len(docs)).tolist()]
    assert keys[0] == keys[1]
    assert len({keys[0], keys[2], keys[3], keys[4]}) == 4


def python_shingles(words: list[str], k: int) -> set[tuple[str, ...]]:
    if len(words) < k:
        return {tuple(words)} if words else set()
    return {tuple(words[i : i + k]) for i in range(len(words) - k + 1)}


word_lists = st.lists(st.sampled_from(["a", "b", "c", "dd", "eee"]), max_size=14)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(word_lists, word_lists), min_size=1, max_size=6), st.integers(1, 4))
def test_pair_jaccard_equals_set_jaccard(pairs: list[tuple[list[str], list[str]]], k: int) -> None:
    docs = [" ".join(w).encode() for pair in pairs for w in pair]
    sets = shingle_sets(docs, k)
    positions = np.array([(2 * i, 2 * i + 1) for i in range(len(pairs))], dtype=np.int64)
    got = pair_jaccard(sets, positions, chunk=8)  # small chunks: exercise the chunking
    for (x, y), sim in zip(pairs, got.tolist(), strict=True):
        a, b = python_shingles(x, k), python_shingles(y, k)
        assert sim == (len(a & b) / len(a | b) if a or b else 0.0)


def test_permutations_are_datasketchs_affine32_ones() -> None:
    from datasketch import MinHash

    from curate.dedup.minhash import permutations

    for n in (16, 128, 256):
        a, b = MinHash(num_perm=n, seed=1, scheme="affine32").permutations
        mine = permutations(n)
        assert (mine[0] == a).all() and (mine[1] == b).all()


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(word_lists, word_lists, word_lists), min_size=2, max_size=5), st.integers(1, 3))
def test_jaccard_of_two_sets_equals_the_vectorised_similarity(docs: list, k: int) -> None:
    """Sectioned documents (prompt, answer, another answer): the one-pair and the
    vectorised similarity agree, and neither exceeds the whole sets' Jaccard."""
    norm = Normaliser()
    texts = [norm.encode("\x1d".join(" ".join(w) for w in parts)) for parts in docs]
    sets = shingle_sets(texts, k)
    pairs = np.array([(i, j) for i in range(len(sets)) for j in range(i + 1, len(sets))], np.int64)
    vectorised = pair_jaccard(sets, pairs)
    for (i, j), sim in zip(pairs.tolist(), vectorised.tolist(), strict=True):
        assert jaccard(sets[i], sets[j]) == pytest.approx(sim)
        both = len(np.intersect1d(sets[i], sets[j]))
        union = len(sets[i]) + len(sets[j]) - both
        assert sim <= (both / union if union else 0.0) + 1e-12
