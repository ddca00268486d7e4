"""MinHash signatures of many documents at once, equal to datasketch's ``affine32`` MinHash.

A document is its normalised words joined by single spaces (see
:meth:`curate.dedup.normalise.Normaliser.encode`), in sections split by a marker word
(:data:`MARKER`: a record's prompt, then each answer side); its set is every run of ``k``
consecutive words inside one section (a shingle), or the whole section when it has fewer
than ``k`` words. A shingle hash keeps its section's number in its top two bits, so the
same words in another section are another shingle.

Everything is vectorised over a batch of documents with numpy:

1. word hashes: the batch is one byte array; word boundaries come from one comparison,
   and each word's bytes are packed into 64-bit integers and mixed (:func:`word_hashes`);
2. shingle hashes: ``k`` consecutive word hashes times fixed odd constants, summed and
   mixed, top 32 bits;
3. signatures: datasketch 2.x's ``affine32`` scheme (MurmurHash3's 32-bit finaliser, then
   ``a * h + b mod 2**32`` for every permutation, with datasketch's own ``a``, ``b`` for
   seed 1) applied to all shingles of the batch at once, permutation by permutation, and
   the minimum taken over each document's shingles (:func:`signatures`).

So ``signatures(...)[i]`` equals the ``hashvalues`` of
``MinHash(num_perm, seed=1, scheme="affine32", hashfunc=int)`` updated with the shingle
hashes of document ``i`` (tests check this), and rows can be wrapped in datasketch's
``LeanMinHash`` for its LSH index (:func:`lean`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import cache

import numpy as np
import xxhash
from numpy.lib.stride_tricks import sliding_window_view

SEED = 1
EMPTY = np.uint32(0xFFFFFFFF)  # the signature value of an empty set (datasketch's too)
SCHEME = "affine32"

_U64 = np.uint64
_MASKS = np.array([(1 << (8 * i)) - 1 for i in range(8)] + [(1 << 64) - 1], dtype=np.uint64)
CHUNK_BYTES = 256 * 1024  # bytes hashed at once (the arrays stay in cache)
MARKER = b"\x1d"  # the word that separates sections (normalised text never holds it)
SECTIONS = 4  # sections told apart; later ones share the last number
_SECTION_SHIFT = _U64(30)


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """The distinct values, sorted (a sort and a neighbour comparison: faster here than
    ``np.unique``, which hashes first)."""
    out = np.sort(values)
    if len(out) > 1:
        out = out[np.concatenate(([True], out[1:] != out[:-1]))]
    return out


def _const(name: str, count: int) -> np.ndarray:
    """Fixed pseudo-random 64-bit constants (from xxhash, so they never change)."""
    return np.array(
        [xxhash.xxh64_intdigest(f"{name}:{i}".encode()) for i in range(count)], dtype=np.uint64
    )


@cache
def _shingle_weights(k: int) -> np.ndarray:
    return _const("shingle", k) | _U64(1)


@cache
def permutations(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's ``affine32`` permutation parameters ``(a, b)`` for seed 1, drawn the way
    its ``MinHash._init_permutations`` draws them (odd ``a``), without importing it (and
    scipy with it) on every start-up; a test checks they are equal."""
    gen = np.random.RandomState(SEED)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def fmix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser (a bijection), in place on a uint64 array."""
    h ^= h >> _U64(33)
    h *= _U64(0xFF51AFD7ED558CCD)
    h ^= h >> _U64(33)
    h *= _U64(0xC4CEB9FE1A85EC53)
    h ^= h >> _U64(33)
    return h


def fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finaliser, in place on a uint32 array (datasketch's pre-mix)."""
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    return h


def word_hashes(docs: Sequence[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """``(hashes, doc)``: a 64-bit hash per word (a run of bytes other than the ASCII space)
    of every document, and the index of its document.

    A word's bytes are packed eight at a time into 64-bit integers (little-endian, the
    rest masked off), longer words fold further blocks in, and the length is mixed in: two
    words of up to eight bytes never collide before the final mix (a bijection).
    """
    buf = b" " + b" ".join(docs) + b" " * 9
    arr = np.frombuffer(buf, dtype=np.uint8)
    space = arr == 32
    edges = np.flatnonzero(space[1:] != space[:-1])  # start, end, start, end ...
    starts = edges[0::2] + 1
    lengths = edges[1::2] + 1 - starts
    windows = sliding_window_view(arr, 8)
    packed = windows[starts].view(np.uint64).ravel()
    packed &= _MASKS[np.minimum(lengths, 8)]
    longer = np.flatnonzero(lengths > 8)
    offset = 8
    while len(longer):
        block = windows[starts[longer] + offset].view(np.uint64).ravel()
        block &= _MASKS[np.minimum(lengths[longer] - offset, 8)]
        packed[longer] = fmix64(packed[longer] ^ _U64(offset)) ^ block
        offset += 8
        longer = longer[lengths[longer] > offset]
    packed ^= lengths.astype(np.uint64) * _U64(0x9E3779B97F4A7C15)
    offsets = np.cumsum(np.fromiter((len(d) + 1 for d in docs), np.int64, len(docs)))
    return fmix64(packed), np.searchsorted(offsets, starts, side="right")


def split_sections(words: np.ndarray, doc: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(words, doc, section)``: the word hashes of :func:`word_hashes` without the
    :data:`MARKER` words, and the section (0-3) of each word within its document."""
    marks = words == _marker_hash()
    if not marks.any():
        return words, doc, np.zeros(len(words), np.int64)
    count = np.cumsum(marks)
    per_doc = np.bincount(doc, weights=marks).astype(np.int64)
    before = np.cumsum(per_doc) - per_doc  # markers in the documents before each one
    section = np.minimum(count - before[doc], SECTIONS - 1)
    keep = ~marks
    return words[keep], doc[keep], section[keep]


@cache
def _marker_hash() -> np.uint64:
    return word_hashes([MARKER])[0][0]


def shingles_of_words(
    words: np.ndarray, doc: np.ndarray, ndocs: int, k: int, section: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``(hashes, counts)`` from :func:`word_hashes`: the 32-bit hash of every ``k``-word
    shingle, document after document, and how many each of the ``ndocs`` documents has
    (a section under ``k`` words is one shingle; an empty one has none). ``section`` (from
    :func:`split_sections`) keeps shingles inside sections and goes in the top two bits."""
    n = len(words)
    sec = np.zeros(n, np.int64) if section is None else section
    seg = doc.astype(np.int64) * SECTIONS + sec  # a shingle never crosses a segment
    weights = _shingle_weights(k)
    acc = words * weights[0]
    for j in range(1, k):
        m = n - j
        if m <= 0:
            break
        same = seg[j:] == seg[:m]
        acc[:m] += np.where(same, words[j:] * weights[j], _U64(0))
    valid = np.zeros(n, dtype=bool)
    if n >= k:
        valid[: n - k + 1] = seg[k - 1 :] == seg[: n - k + 1]
    starts = np.flatnonzero(np.concatenate(([True], seg[1:] != seg[:-1]))) if n else seg[:0]
    sizes = np.diff(np.append(starts, n))
    short = starts[sizes < k]
    valid[short] = True
    top = sec[valid].astype(np.uint64) << _SECTION_SHIFT
    hashes = ((fmix64(acc[valid]) >> _U64(34)) | top).astype(np.uint32)
    return hashes, np.bincount(doc[valid], minlength=ndocs)


def shingle_hashes(docs: Sequence[bytes], k: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`shingles_of_words` of normalised documents."""
    words, doc, section = split_sections(*word_hashes(docs))
    return shingles_of_words(words, doc, len(docs), k, section)


def signatures(hashes: np.ndarray, counts: np.ndarray, num_perm: int) -> np.ndarray:
    """The ``(documents, num_perm)`` uint32 MinHash signatures of shingle-hash sets
    (``hashes`` document after document, ``counts`` per document).

    One permutation at a time over every shingle of the batch: ``a * h + b`` as two
    contiguous array-by-scalar operations (SIMD), then the minimum of each document's
    segment with ``np.minimum.reduceat``. An empty document keeps the empty-set value.
    """
    a, b = permutations(num_perm)
    out = np.full((len(counts), num_perm), EMPTY, dtype=np.uint32)
    present = np.flatnonzero(counts > 0)
    if not len(present):
        return out
    mixed = fmix32(hashes.astype(np.uint32, copy=True))
    starts = (np.cumsum(counts) - counts)[present]
    work = np.empty_like(mixed)
    columns = np.empty((num_perm, len(present)), dtype=np.uint32)
    for k in range(num_perm):
        np.multiply(mixed, a[k], out=work)
        np.add(work, b[k], out=work)
        np.minimum.reduceat(work, starts, out=columns[k])
    out[present] = columns.T
    return out


def chunk_ranges(docs: Sequence[bytes], size: int = CHUNK_BYTES) -> Iterator[tuple[int, int]]:
    """``(start, stop)`` of consecutive runs of documents of about ``size`` bytes (the unit
    hashed at once: the byte arrays stay in cache)."""
    start, total = 0, 0
    for i, d in enumerate(docs):
        total += len(d) + 1
        if total >= size:
            yield start, i + 1
            start, total = i + 1, 0
    if start < len(docs):
        yield start, len(docs)


def shingle_sets(docs: Sequence[bytes], k: int) -> list[np.ndarray]:
    """Each document's shingle hashes, sorted and unique (for exact Jaccard)."""
    out: list[np.ndarray] = []
    for lo, hi in chunk_ranges(docs):
        hashes, counts = shingle_hashes(docs[lo:hi], k)
        doc = np.repeat(np.arange(hi - lo, dtype=np.uint64), counts)
        keys = sorted_unique((doc << _U64(32)) | hashes.astype(np.uint64))
        per_doc = np.bincount((keys >> _U64(32)).astype(np.int64), minlength=hi - lo)
        values = (keys & _U64(0xFFFFFFFF)).astype(np.uint32)
        out.extend(np.split(values, np.cumsum(per_doc)[:-1]))
    return out


def _ragged(starts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Indices ``starts[i] .. starts[i] + sizes[i]`` for every ``i``, concatenated."""
    before = np.cumsum(sizes) - sizes
    return np.repeat(starts - before, sizes) + np.arange(int(sizes.sum()))


class SetTable:
    """Sorted unique shingle arrays laid end to end, for many pair comparisons."""

    def __init__(self, sets: Sequence[np.ndarray]) -> None:
        self.sizes = np.fromiter((len(x) for x in sets), np.int64, len(sets))
        self.flat = np.concatenate(list(sets)).astype(np.uint64) if len(sets) else np.empty(0, np.uint64)
        self.starts = np.cumsum(self.sizes) - self.sizes

    def similarity(self, pairs: np.ndarray, chunk: int = 1 << 21) -> np.ndarray:
        """:func:`pair_jaccard` of pairs of positions in the table."""
        sizes, starts, flat = self.sizes, self.starts, self.flat
        out = np.zeros(len(pairs), dtype=np.float64)
        lo = 0
        while lo < len(pairs):
            span = np.cumsum(sizes[pairs[lo:, 0]] + sizes[pairs[lo:, 1]])
            hi = lo + max(1, int(np.searchsorted(span, chunk, side="right")))
            a, b = pairs[lo:hi, 0], pairs[lo:hi, 1]
            tag = np.arange(hi - lo, dtype=np.uint64) << _U64(32)
            left = np.repeat(tag, sizes[a]) | flat[_ragged(starts[a], sizes[a])]
            right = np.repeat(tag, sizes[b]) | flat[_ragged(starts[b], sizes[b])]
            found = np.zeros(len(left), dtype=bool)
            if len(right):
                pos = np.minimum(np.searchsorted(right, left), len(right) - 1)
                found = right[pos] == left
            cells = (hi - lo) * SECTIONS
            lcell = _cells(left)
            rcell = _cells(right)
            both = np.bincount(lcell[found], minlength=cells).reshape(-1, SECTIONS)
            union = (
                np.bincount(lcell, minlength=cells) + np.bincount(rcell, minlength=cells)
            ).reshape(-1, SECTIONS) - both
            out[lo:hi] = _similarity(both, union)
            lo = hi
        return out


def _cells(tagged: np.ndarray) -> np.ndarray:
    """Pair number * SECTIONS + section of each tagged shingle."""
    return ((tagged >> _U64(32)) * _U64(SECTIONS) + ((tagged >> _SECTION_SHIFT) & _U64(3))).astype(np.int64)


def pair_jaccard(sets: Sequence[np.ndarray], pairs: np.ndarray, chunk: int = 1 << 21) -> np.ndarray:
    """The similarity of each pair ``(i, j)`` of positions in ``sets`` (sorted unique uint32
    shingle arrays): the exact Jaccard similarity of the whole sets, or less when an answer
    section (1-3) is less alike on its own (:func:`_similarity`), vectorised. The sets of
    every pair are tagged with the pair number (each side stays sorted), one side is looked
    up in the other with ``searchsorted``, and hits are counted per pair and section."""
    return SetTable(sets).similarity(pairs, chunk)


def _similarity(both: np.ndarray, union: np.ndarray) -> np.ndarray:
    """Per row of ``(pairs, SECTIONS)`` intersection and union counts: the whole Jaccard,
    lowered to any answer section's own Jaccard (sections 1-3 present on either side)."""
    total_both, total_union = both.sum(axis=1), union.sum(axis=1)
    whole = np.divide(total_both, total_union, out=np.zeros(len(both)), where=total_union > 0)
    per = np.divide(both, union, out=np.ones(both.shape), where=union > 0)
    return np.minimum(whole, per[:, 1:].min(axis=1)) if both.shape[1] > 1 else whole


def jaccard(x: np.ndarray, y: np.ndarray) -> float:
    """The similarity of two sorted unique shingle arrays, as :func:`pair_jaccard` (0 for
    two empty sets)."""
    if not len(x) and not len(y):
        return 0.0
    sx, sy = x >> np.uint32(30), y >> np.uint32(30)
    both = np.bincount(sx[np.isin(x, y, assume_unique=True)], minlength=SECTIONS)
    union = np.bincount(sx, minlength=SECTIONS) + np.bincount(sy, minlength=SECTIONS) - both
    return float(_similarity(both[None, :], union[None, :])[0])


def lean(signature: np.ndarray):  # noqa: ANN201 - datasketch.LeanMinHash
    """A datasketch ``LeanMinHash`` holding one signature row."""
    from datasketch import LeanMinHash

    return LeanMinHash(seed=SEED, hashvalues=signature, scheme=SCHEME)
