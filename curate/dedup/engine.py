"""The deduplicator: sketches streamed in, exact groups and verified near pairs out.

Memory per record: its id, a group byte, the 16-byte exact key, 8 bytes of id order and
8 bytes per LSH band. Texts are read again (``fetch``) only for the records in candidate
pairs, whose shingle sets decide each pair by exact Jaccard similarity.

Exact duplicates are found first (same group, same exact key); only the first record of
each exact group (by id order) takes part in the near-duplicate search, so a thousand
copies of one text cost one record there.

Records of a group with the same prompt key (the first section of their compare text) that
fall in two or more different clusters (or stay single) form a ``same_prompt`` group: not
duplicates, but records the split must keep together.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from curate.dedup.clusters import (
    Cluster,
    Facts,
    Match,
    UnionFind,
    build_cluster,
    representative_key,
)
from curate.dedup.exact import id_order, leaders
from curate.dedup.lsh import band_pairs, index_pairs
from curate.dedup.minhash import SetTable, _const, jaccard, sorted_unique
from curate.dedup.sketch import Params, Sketch, texts_shingles

Fetch = Callable[[np.ndarray], Sequence[str]]
Index = Literal["bands", "datasketch"]
VERIFY_BATCH = 20_000  # documents whose texts are fetched at once
SCREEN_SIGMAS = 4.5  # how far below the threshold a b-bit estimate may be and still count
SCREEN_BATCH = 100_000  # candidate pairs screened at once
VERIFY_PAIRS = 8192  # candidate pairs compared at once (pairs already joined are skipped)
_GROUP_SALT = _const("group", 256)


@dataclass
class Matches:
    """Exact groups and verified near pairs of a deduplication."""

    ids: list[str]
    leader: np.ndarray  # index of each record's exact-group leader, -1 when not compared
    edges: np.ndarray  # (m, 2) verified near pairs of leaders
    shingles: dict[int, np.ndarray] = field(default_factory=dict)
    edge_similarity: np.ndarray = field(default_factory=lambda: np.empty(0))
    candidate_pairs: np.ndarray = field(default_factory=lambda: np.empty((0, 2), np.int64))
    prompt_groups: list[np.ndarray] = field(default_factory=list)  # same prompt key, 2+ each
    _known: dict[tuple[int, int], float] | None = field(default=None, repr=False)

    @property
    def candidates(self) -> int:
        return len(self.candidate_pairs)

    @property
    def compared(self) -> int:
        return int((self.leader >= 0).sum())

    def similarity(self, i: int, j: int) -> tuple[float, Match]:
        """Exact Jaccard similarity of two clustered records, and how they match."""
        li, lj = int(self.leader[i]), int(self.leader[j])
        if li == lj:
            return 1.0, "exact"
        if self._known is None:
            pairs = zip(self.edges.tolist(), self.edge_similarity.tolist(), strict=True)
            self._known = {(min(a, b), max(a, b)): sim for (a, b), sim in pairs}
        known = self._known.get((min(li, lj), max(li, lj)))
        return (known if known is not None else jaccard(self.shingles[li], self.shingles[lj])), "near"

    def _rep_similarities(self, groups: list[list[int]], known: dict[int, Facts]) -> None:
        """Compare every member with its cluster's representative in one vectorised pass
        (the pairs that are no verified edge), so :meth:`similarity` finds them known."""
        if self._known is None:
            pairs = zip(self.edges.tolist(), self.edge_similarity.tolist(), strict=True)
            self._known = {(min(a, b), max(a, b)): sim for (a, b), sim in pairs}
        todo: set[tuple[int, int]] = set()
        for g in groups:
            rep = min(g, key=lambda i: (representative_key(known[i]), i))
            lr = int(self.leader[rep])
            for i in g:
                li = int(self.leader[i])
                key = (min(li, lr), max(li, lr))
                if li != lr and key not in self._known:
                    todo.add(key)
        if not todo:
            return
        pairs = np.array(sorted(todo), dtype=np.int64)
        heads = sorted_unique(pairs.ravel())
        table = SetTable([self.shingles[int(i)] for i in heads])
        sims = table.similarity(np.searchsorted(heads, pairs))
        self._known.update(zip(map(tuple, pairs.tolist()), sims.tolist(), strict=True))

    def groups(self) -> list[list[int]]:
        """Sets of record indices that duplicate each other (two or more each)."""
        uf = UnionFind()
        for i, j in self.edges.tolist():
            uf.union(i, j)
        copies = np.flatnonzero((self.leader >= 0) & (self.leader != np.arange(len(self.leader))))
        for i, lead in zip(copies.tolist(), self.leader[copies].tolist(), strict=True):
            uf.union(i, lead)
        return uf.groups()

    def same_prompt(self) -> list[list[int]]:
        """Record indices sharing a prompt across two or more clusters or single records
        (each sorted; ordered by first member). Copies of one record are no such group."""
        if not self.prompt_groups:
            return []
        root = {i: g[0] for g in self.groups() for i in g}
        out = [
            sorted(g.tolist())
            for g in self.prompt_groups
            if len({root.get(i, i) for i in g.tolist()}) > 1
        ]
        return sorted(out, key=lambda g: g[0])

    def clusters(self, facts: Callable[[list[int]], dict[int, Facts]]) -> list[Cluster]:
        """Clusters with representatives; ``facts(indices)`` describes their records.
        Largest clusters first, then by id."""
        groups = self.groups()
        known = facts(sorted({i for g in groups for i in g}))
        self._rep_similarities(groups, known)
        found = [build_cluster(g, self.ids, known.__getitem__, self.similarity) for g in groups]
        found.sort(key=lambda c: (-len(c.members), c.id))
        return found


class Deduper:
    """Collects the sketches of a stream of records, then matches them.

    ``groups`` partition the records (e.g. by kind): records of different groups are never
    duplicates. ``index`` picks how near-duplicate candidates are found (see
    :mod:`curate.dedup.lsh`); both give the same pairs.
    """

    def __init__(self, params: Params, index: Index = "bands") -> None:
        if index == "datasketch" and not params.keep_signatures:
            params = replace(params, keep_signatures=True)
        self.params = params
        self.index = index
        self.ids: list[str] = []
        self._parts: dict[str, list[np.ndarray]] = {
            k: []
            for k in ("groups", "exact", "empty", "order", "bands", "signatures", "prompt", "bits")
        }

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, ids: Sequence[str], groups: np.ndarray | Sequence[int], sketch: Sketch) -> None:
        """Add a batch: record ids, their group numbers (0-255) and their sketch."""
        self.ids.extend(ids)
        parts = self._parts
        parts["groups"].append(np.asarray(groups, dtype=np.uint8).reshape(len(ids)))
        parts["exact"].append(sketch.exact)
        parts["empty"].append(sketch.empty)
        parts["order"].append(id_order(ids))
        if sketch.bands is not None:
            parts["bands"].append(sketch.bands)
        if sketch.prompt is not None:
            parts["prompt"].append(sketch.prompt)
        if sketch.bits is not None:
            parts["bits"].append(sketch.bits)
        if self.index == "datasketch" and sketch.signatures is not None:
            parts["signatures"].append(sketch.signatures)

    def _joined(self, key: str, shape: tuple[int, ...], dtype: type) -> np.ndarray:
        parts = self._parts[key]
        return np.concatenate(parts) if parts else np.empty(shape, dtype=dtype)

    def match(self, fetch: Fetch) -> Matches:
        """Exact groups, candidate pairs, and the pairs whose exact Jaccard similarity
        reaches the threshold. ``fetch(indices)`` returns those records' compare texts."""
        n = len(self.ids)
        groups = self._joined("groups", (0,), np.uint8)
        order = self._joined("order", (0,), np.uint64)
        exact = self._joined("exact", (0, 2), np.uint64)
        usable = ~self._joined("empty", (0,), bool)
        lead = leaders(exact, groups, order, usable)
        matches = Matches(self.ids, lead, np.empty((0, 2), np.int64))
        if self._parts["prompt"]:
            prompt = self._joined("prompt", (0, 2), np.uint64)
            matches.prompt_groups = _key_groups(prompt, groups, order, usable & prompt.any(axis=1))
        if self.params.exact_only or n == 0:
            return matches
        heads = np.flatnonzero(lead == np.arange(n))
        heads = heads[np.lexsort((heads, order[heads]))]  # id order: input order never matters
        pairs = self._candidates(heads, groups)
        pairs = pairs[groups[pairs[:, 0]] == groups[pairs[:, 1]]]
        matches.candidate_pairs = pairs
        matches.edges, matches.edge_similarity, matches.shingles = self._verify(pairs, fetch)
        return matches

    def _screen(self, pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """The candidate pairs whose b-bit MinHash estimate of the Jaccard similarity is not
        far below the threshold (:data:`SCREEN_SIGMAS` standard deviations), most alike
        first, and their estimates: a pair that reaches the threshold is dropped with a
        probability under one in 10**5, while template-heavy data, whose many candidates
        sit well below it, is spared most of the text reads and exact comparisons."""
        parts = self._parts["bits"]
        if not parts or not len(pairs):
            return pairs, None
        bits = np.concatenate(parts)
        p = self.params
        t = p.threshold
        floor = t - SCREEN_SIGMAS * np.sqrt(t * (1 - t) / p.num_perm)
        estimate = np.empty(len(pairs))
        for lo in range(0, len(pairs), SCREEN_BATCH):
            a, b = pairs[lo : lo + SCREEN_BATCH, 0], pairs[lo : lo + SCREEN_BATCH, 1]
            same = (bits[a] == bits[b]).mean(axis=1)
            estimate[lo : lo + SCREEN_BATCH] = (same - 1 / 256) / (1 - 1 / 256)
        order = np.argsort(-estimate, kind="stable")
        order = order[estimate[order] >= floor]
        return pairs[order], estimate[order]

    def _candidates(self, heads: np.ndarray, groups: np.ndarray) -> np.ndarray:
        p = self.params
        if self.index == "datasketch":
            sigs = self._joined("signatures", (0, p.num_perm), np.uint32)
            found = []
            for g in np.unique(groups[heads]):
                members = heads[groups[heads] == g]
                found.append(members[index_pairs(sigs[members], p.bands, p.rows)])
            return np.concatenate(found) if found else np.empty((0, 2), np.int64)
        parts = self._parts["bands"]
        salt = _GROUP_SALT[groups[heads]]
        columns = (  # one band at a time: 8 bytes per record in memory, not 8 per band
            np.concatenate([part[:, b] for part in parts])[heads] ^ salt for b in range(p.bands)
        )
        return heads[band_pairs(columns, len(heads))]

    def _verify(
        self, pairs: np.ndarray, fetch: Fetch
    ) -> tuple[np.ndarray, np.ndarray, dict[int, np.ndarray]]:
        """Exact similarity of candidate pairs, in growing batches; a pair whose records are
        already joined through verified pairs is skipped (it cannot change the clusters), so
        a dense cluster of thousands of records costs about one comparison per member."""
        pairs, _ = self._screen(pairs)
        needed = sorted_unique(pairs.ravel())
        sets: list[np.ndarray] = []
        for lo in range(0, len(needed), VERIFY_BATCH):
            sets.extend(texts_shingles(fetch(needed[lo : lo + VERIFY_BATCH]), self.params))
        table = SetTable(sets)
        positions = np.searchsorted(needed, pairs)
        joined = Components(len(needed))
        found, found_sims = [], []
        threshold = self.params.threshold - 1e-9
        for lo in range(0, len(positions), VERIFY_PAIRS):
            batch = positions[lo : lo + VERIFY_PAIRS]
            batch = batch[joined.label[batch[:, 0]] != joined.label[batch[:, 1]]]
            if not len(batch):
                continue
            sims = table.similarity(batch)
            hit = sims >= threshold
            found.append(batch[hit])
            found_sims.append(sims[hit])
            for a, b in batch[hit].tolist():
                joined.union(a, b)
        hits = np.concatenate(found) if found else np.empty((0, 2), np.int64)
        edges = needed[hits] if len(hits) else np.empty((0, 2), np.int64)
        used = np.zeros(len(needed), dtype=bool)
        used[hits.ravel()] = True
        shingles = {int(i): sets[p] for p, i in enumerate(needed.tolist()) if used[p]}
        return edges, np.concatenate(found_sims) if found_sims else np.empty(0), shingles


class Components:
    """Connected components of ``0..n-1`` under unions, as a label array (vectorised
    look-ups); the smaller component is relabelled on each union."""

    def __init__(self, n: int) -> None:
        self.label = np.arange(n)
        self.members: dict[int, list[int]] = {}

    def union(self, a: int, b: int) -> bool:
        la, lb = int(self.label[a]), int(self.label[b])
        if la == lb:
            return False
        ma = self.members.setdefault(la, [la])
        mb = self.members.setdefault(lb, [lb])
        if len(ma) < len(mb):
            la, lb, ma, mb = lb, la, mb, ma
        self.label[mb] = la
        ma.extend(mb)
        del self.members[lb]
        return True


def _key_groups(
    keys: np.ndarray, groups: np.ndarray, order: np.ndarray, usable: np.ndarray
) -> list[np.ndarray]:
    """Indices with equal ``(group, key)`` among the ``usable`` ones, two or more each."""
    lead = leaders(keys, groups, order, usable)
    idx = np.flatnonzero(lead >= 0)
    if not len(idx):
        return []
    by_lead = idx[np.argsort(lead[idx], kind="stable")]
    heads = lead[by_lead]
    starts = np.flatnonzero(np.concatenate(([True], heads[1:] != heads[:-1])))
    sizes = np.diff(np.append(starts, len(heads)))
    return [by_lead[a : a + n] for a, n in zip(starts.tolist(), sizes.tolist(), strict=True) if n > 1]
