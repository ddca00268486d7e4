"""Contamination: records that duplicate, exactly or nearly, a row of another dataset.

The other dataset (an evaluation benchmark, a held-out set) is read with the project's
own readers, in any supported format. Its records are compared with the same text,
normalisation and threshold as ``curate dedupe``, across kinds (a benchmark of
prompt/completion pairs can contaminate chat records; ``--prompt-only`` compares
questions whatever the answers). Its signatures go into datasketch's ``MinHashLSH``
index; every workspace record is looked up there, and candidates are confirmed by exact
Jaccard similarity.

In a workspace, marks are stored as a ``contamination`` run: one ``check_results`` row per
marked record with the code ``contamination_exact`` or ``contamination_near``, the
similarity as its score and the matched row (``file:line``) as its detail. The latest
finished run is in effect; export leaves marked records out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np

from curate.dedup.compare import compare_text
from curate.dedup.minhash import jaccard, lean, sorted_unique
from curate.dedup.sketch import Params, Sketch, sketch_texts, texts_shingles
from curate.records import Record

RUN_KIND = "contamination"
CODES = {"exact": "contamination_exact", "near": "contamination_near"}
REASONS = {code: reason for reason, code in CODES.items()}
Reason = Literal["exact", "near"]
BATCH = 2000
VERIFY_BATCH = 20_000  # records whose texts are fetched at once


@dataclass(frozen=True)
class Mark:
    """A record found in the reference data: how, how similar, and where."""

    record_id: str
    reason: Reason
    similarity: float
    source: str


@dataclass
class ReferenceFile:
    """What was read from one reference file (read = records + rejected)."""

    path: str
    format: str | None
    read: int = 0
    records: int = 0
    rejected: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


class Reference:
    """The rows of one or more reference datasets, indexed for lookups."""

    def __init__(self, params: Params) -> None:
        self.params = replace(params, keep_signatures=True)
        self.files: list[ReferenceFile] = []
        self.sources: list[str] = []
        self.exact: dict[bytes, int] = {}
        self.shingles: list[np.ndarray] = []
        self._index: Any = None
        self._exact_hits: dict[int, int] = {}
        self._candidates: list[tuple[int, int]] = []

    def __len__(self) -> int:
        return len(self.sources)

    def add_file(self, path: str | Path, fmt: str | None = None) -> ReferenceFile:
        """Read a dataset file (format detected unless ``fmt`` names it) with the project's
        readers; rows that do not parse are counted, never compared."""
        from curate.source import read_all

        data = read_all(path, fmt)
        reasons = Counter(r.code for r in data.rejects)
        info = ReferenceFile(
            str(path),
            data.format,
            read=data.read,
            records=len(data.records),
            rejected=len(data.rejects),
            reasons=dict(reasons.most_common()),
        )
        for lo in range(0, len(data.records), BATCH):
            self.add_records(data.records[lo : lo + BATCH])
        self.files.append(info)
        return info

    def add_records(self, records: Sequence[Record]) -> None:
        """Add reference records; each is named by its source file and line."""
        texts = [compare_text(r, self.params.compare) for r in records]  # type: ignore[arg-type]
        names = [_where(r, i) for i, r in enumerate(records, len(self.sources) + 1)]
        self.add_texts(texts, names)

    def add_texts(self, texts: Sequence[str], names: Sequence[str]) -> None:
        """Add reference texts under the given names."""
        if not texts:
            return
        sketch = sketch_texts(texts, self.params)
        keep = np.flatnonzero(~sketch.empty)
        shingles = texts_shingles([texts[i] for i in keep], self.params) if not self.params.exact_only else []
        index = self._lsh()
        for pos, i in enumerate(keep.tolist()):
            ref = len(self.sources)
            self.sources.append(names[i])
            self.exact.setdefault(sketch.exact[i].tobytes(), ref)
            if index is not None and sketch.signatures is not None:
                self.shingles.append(shingles[pos])
                index.insert(ref, lean(sketch.signatures[i]), check_duplication=False)

    def _lsh(self) -> Any:
        if self.params.exact_only:
            return None
        if self._index is None:
            from datasketch import MinHashLSH

            p = self.params
            self._index = MinHashLSH(num_perm=p.num_perm, params=(p.bands, p.rows))
        return self._index

    def look_up(self, sketch: Sketch, base: int) -> None:
        """Look up a batch of records (numbered from ``base``) and remember what matched."""
        for i in np.flatnonzero(~sketch.empty).tolist():
            ref = self.exact.get(sketch.exact[i].tobytes())
            if ref is not None:
                self._exact_hits[base + i] = ref
            elif self._index is not None and sketch.signatures is not None and len(self):
                for other in self._index.query(lean(sketch.signatures[i])):
                    self._candidates.append((base + i, other))

    def marks(self, ids: Sequence[str], fetch: Callable[[np.ndarray], Sequence[str]]) -> dict[int, Mark]:
        """The records looked up so far that match a reference row (by record position)."""
        found = {
            i: Mark(ids[i], "exact", 1.0, self.sources[ref]) for i, ref in self._exact_hits.items()
        }
        if not self._candidates:
            return found
        pairs = np.array(self._candidates, dtype=np.int64)
        needed = sorted_unique(pairs[:, 0])
        mine: dict[int, np.ndarray] = {}
        for lo in range(0, len(needed), VERIFY_BATCH):
            part = needed[lo : lo + VERIFY_BATCH]
            mine.update(zip(part.tolist(), texts_shingles(fetch(part), self.params), strict=True))
        threshold = self.params.threshold - 1e-9
        for i, ref in pairs.tolist():
            sim = jaccard(mine[i], self.shingles[ref])
            best = found.get(i)
            if sim >= threshold and (best is None or (best.reason == "near" and sim > best.similarity)):
                found[i] = Mark(ids[i], "near", round(sim, 4), self.sources[ref])
        return found


def _where(record: Record, position: int) -> str:
    prov = record.provenance
    if prov.source_file:
        return f"{prov.source_file}:{prov.source_line}" if prov.source_line else prov.source_file
    return f"#{position}"


def find_contamination(
    records: Sequence[Record],
    reference: Iterable[Record],
    params: Params | None = None,
) -> dict[str, Mark]:
    """Record id -> mark for the ``records`` that duplicate a ``reference`` record."""
    params = params or Params()
    ref = Reference(params)
    ref.add_records(list(reference))
    texts = [compare_text(r, params.compare) for r in records]  # type: ignore[arg-type]
    for lo in range(0, len(texts), BATCH):
        ref.look_up(sketch_texts(texts[lo : lo + BATCH], ref.params), lo)
    marks = ref.marks([r.id for r in records], lambda idx: [texts[i] for i in idx])
    return {m.record_id: m for m in marks.values()}


def counts(marks: Iterable[Mark]) -> dict[str, int]:
    """Marked records per reason."""
    out = {"exact": 0, "near": 0}
    for m in marks:
        out[m.reason] += 1
    return out
