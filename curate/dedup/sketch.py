"""One batch of texts to its sketch: exact keys, prompt keys, band keys and (when asked)
signatures.

A sketch is what the deduplicator keeps per record: 16 bytes of exact hash, 16 of prompt
hash (the first section's words: records sharing it form ``same_prompt`` groups), 8 bytes
per LSH band and the low byte of each signature value (a b-bit MinHash that screens
candidate pairs before their texts are read again), never the text. :func:`sketch_stream` computes
sketches batch by batch, in a process pool when ``workers > 1``.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, replace
from typing import TypeVar

import numpy as np
from pydantic import ValidationError

from curate.dedup.compare import resolve_mode
from curate.dedup.exact import exact_keys, sequence_keys
from curate.dedup.lsh import band_keys, lsh_params
from curate.dedup.minhash import (
    chunk_ranges,
    shingle_sets,
    shingles_of_words,
    signatures,
    split_sections,
    word_hashes,
)
from curate.dedup.normalise import Normaliser
from curate.errors import UsageError
from curate.settings import DedupeSettings

T = TypeVar("T")
Prepare = Callable[[Sequence[object]], Sequence[str]]


@dataclass(frozen=True)
class Params:
    """Everything that decides what counts as a duplicate."""

    normaliser: Normaliser = Normaliser()
    shingle_size: int = 3
    num_perm: int = 128
    threshold: float = 0.5
    compare: str = "all-turns"
    exact_only: bool = False
    keep_signatures: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "compare", resolve_mode(self.compare))

    @property
    def same_prompt(self) -> bool:
        """Whether records sharing a prompt are grouped (not when only prompts are compared)."""
        return self.compare != "prompt-only"

    @classmethod
    def from_settings(cls, settings: DedupeSettings | None = None, **changes: object) -> Params:
        s = settings or DedupeSettings()
        base = cls(
            normaliser=Normaliser.from_flags(s.normalise),
            shingle_size=s.shingle_size,
            num_perm=s.num_perm,
            threshold=s.threshold,
            compare=s.compare,
        )
        return replace(base, **changes)  # type: ignore[arg-type]

    @property
    def bands(self) -> int:
        return lsh_params(self.threshold, self.num_perm)[0]

    @property
    def rows(self) -> int:
        return lsh_params(self.threshold, self.num_perm)[1]

    def describe(self) -> dict[str, object]:
        out: dict[str, object] = {
            "normalise": self.normaliser.flags,
            "compare": self.compare,
            "exact_only": self.exact_only,
        }
        if not self.exact_only:
            out |= {
                "threshold": self.threshold,
                "shingle_size": self.shingle_size,
                "num_perm": self.num_perm,
                "bands": self.bands,
                "rows": self.rows,
            }
        return out


def resolve_settings(base: DedupeSettings, **overrides: object) -> DedupeSettings:
    """``base`` with the given values replaced (None keeps one); a bad value is a UsageError."""
    data = base.model_dump() | {k: v for k, v in overrides.items() if v is not None}
    try:
        return DedupeSettings.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise UsageError(f"Bad dedupe setting '{where}': {first['msg']}.") from None


@dataclass
class Sketch:
    """Per text: exact key, whether it has nothing to compare, band keys, signature."""

    exact: np.ndarray
    empty: np.ndarray
    bands: np.ndarray | None = None
    signatures: np.ndarray | None = None
    prompt: np.ndarray | None = None  # (n, 2) key of the first section; zeros when empty
    bits: np.ndarray | None = None  # (n, num_perm) low byte of each signature value


def sketch_texts(texts: Sequence[str], params: Params) -> Sketch:
    """The sketch of a batch of compare texts."""
    norm = params.normaliser
    docs = [norm.encode(t) for t in texts]
    n = len(docs)
    sketch = Sketch(exact=np.zeros((n, 2), np.uint64), empty=np.zeros(n, bool))
    if not params.exact_only:
        sketch.signatures = np.empty((n, params.num_perm), np.uint32)
    if params.same_prompt:
        sketch.prompt = np.zeros((n, 2), np.uint64)
    for lo, hi in chunk_ranges(docs):
        marked, doc_marked = word_hashes(docs[lo:hi])
        words, doc, section = split_sections(marked, doc_marked)
        sketch.empty[lo:hi] = np.bincount(doc, minlength=hi - lo) == 0
        if norm.whitespace:  # markers included: "A | B" is not "A B"
            sketch.exact[lo:hi] = sequence_keys(marked, doc_marked, hi - lo)
        if sketch.prompt is not None:
            first = section == 0
            keys = sequence_keys(words[first], doc[first], hi - lo)
            keys[np.bincount(doc[first], minlength=hi - lo) == 0] = 0
            sketch.prompt[lo:hi] = keys
        if sketch.signatures is not None:
            hashes, counts = shingles_of_words(words, doc, hi - lo, params.shingle_size, section)
            sketch.signatures[lo:hi] = signatures(hashes, counts, params.num_perm)
    if not norm.whitespace:
        sketch.exact = exact_keys([norm.exact_bytes(t) for t in texts])
    if sketch.signatures is not None:
        sketch.bands = band_keys(sketch.signatures, params.bands, params.rows)
        sketch.bits = (sketch.signatures & 0xFF).astype(np.uint8)
        if not params.keep_signatures:
            sketch.signatures = None
    return sketch


def texts_shingles(texts: Sequence[str], params: Params) -> list[np.ndarray]:
    """Each text's shingle set (sorted unique hashes), for exact Jaccard."""
    return shingle_sets([params.normaliser.encode(t) for t in texts], params.shingle_size)


def _pool(workers: int) -> ProcessPoolExecutor:
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    return ProcessPoolExecutor(max_workers=workers, mp_context=context)


def sketch_items(items: Sequence[object], params: Params, prepare: Prepare | None = None) -> Sketch:
    """The sketch of a batch: ``prepare(items)`` gives the compare texts (the items are the
    texts when ``prepare`` is None). Runs in a worker process when there is a pool, so
    parsing stored records happens there too."""
    texts = prepare(items) if prepare is not None else items
    return sketch_texts(texts, params)  # type: ignore[arg-type]


def sketch_stream(
    batches: Iterable[tuple[T, Sequence[object]]],
    params: Params,
    workers: int = 1,
    prepare: Prepare | None = None,
) -> Iterator[tuple[T, Sketch]]:
    """Sketch ``(tag, items)`` batches in order (see :func:`sketch_items` for ``prepare``,
    which must be picklable for a pool); ``workers > 1`` uses a process pool with at most
    two batches per worker in flight (memory stays bounded)."""
    if workers <= 1:
        for tag, items in batches:
            yield tag, sketch_items(items, params, prepare)
        return
    params.bands  # noqa: B018 - compute the LSH parameters once, before forking
    pending: deque[tuple[T, Future[Sketch]]] = deque()
    with _pool(workers) as pool:
        for tag, items in batches:
            pending.append((tag, pool.submit(sketch_items, list(items), params, prepare)))
            if len(pending) >= 2 * workers:
                done_tag, future = pending.popleft()
                yield done_tag, future.result()
        while pending:
            done_tag, future = pending.popleft()
            yield done_tag, future.result()
