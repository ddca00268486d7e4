"""Duplicate clusters: union-find over matched pairs, and which member represents a cluster.

The representative is the member that sorts first by, in order:

1. review state: approved, then pending, then rejected;
2. origin: real before synthetic;
3. quality score, higher first (see :mod:`curate.dedup.facts`); no score ranks last;
4. age: the earliest created/imported time first; no time ranks last;
5. record id (so the choice never depends on input order).

A cluster's id is the smallest record id among its members: stable across runs as long as
the members stay, and independent of the order records were read in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

STATE_RANK = {"approved": 0, "pending": 1, "rejected": 2, "edited": 3}
ORIGIN_RANK = {"real": 0, "synthetic": 1}
Match = Literal["representative", "exact", "near"]


@dataclass(frozen=True)
class Facts:
    """What the representative rule knows about one record."""

    id: str
    state: str = "pending"
    origin: str = "real"
    quality: float | None = None
    created: str | None = None  # ISO 8601


def _timestamp(text: str | None) -> float | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def representative_key(facts: Facts) -> tuple[Any, ...]:
    """The sort key of the representative rule (smallest wins).

    >>> a = Facts("a", state="pending", quality=0.9)
    >>> b = Facts("b", state="approved", origin="synthetic")
    >>> min([a, b], key=representative_key).id
    'b'
    """
    when = _timestamp(facts.created)
    return (
        STATE_RANK.get(facts.state, 1),
        ORIGIN_RANK.get(facts.origin, 1),
        (0, -facts.quality) if facts.quality is not None else (1, 0.0),
        (0, when) if when is not None else (1, 0.0),
        facts.id,
    )


@dataclass(frozen=True)
class Member:
    """One record of a cluster: its place in the input, and how it matches the representative."""

    index: int
    record_id: str
    representative: bool
    similarity: float
    match: Match


@dataclass(frozen=True)
class Cluster:
    """Records that duplicate each other; the representative comes first."""

    id: str
    members: tuple[Member, ...]

    @property
    def representative(self) -> Member:
        return self.members[0]

    @property
    def duplicates(self) -> tuple[Member, ...]:
        return self.members[1:]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "size": len(self.members),
            "representative": self.representative.record_id,
            "members": [
                {"id": m.record_id, "similarity": m.similarity, "match": m.match}
                for m in self.members
            ],
        }


@dataclass(frozen=True)
class PromptGroup:
    """Records that share a prompt but are not all copies of one another (preference pairs
    for one prompt, say): never duplicates, kept in one split. Its id is the smallest
    member id; members are in id order."""

    id: str
    members: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "size": len(self.members), "members": list(self.members)}


def prompt_groups(groups: Iterable[Iterable[int]], ids: list[str]) -> list[PromptGroup]:
    """:class:`PromptGroup` s from groups of record indices, largest first, then by id."""
    found = [PromptGroup(min(m), tuple(sorted(m))) for m in ({ids[i] for i in g} for g in groups)]
    return sorted(found, key=lambda g: (-len(g.members), g.id))


def build_cluster(
    indices: Iterable[int],
    ids: list[str],
    facts: Callable[[int], Facts],
    similarity: Callable[[int, int], tuple[float, Match]],
) -> Cluster:
    """A cluster of the documents at ``indices``: the representative by the rule, then
    the others by similarity to it (highest first), then id."""
    members = list(indices)
    rep = min(members, key=lambda i: (representative_key(facts(i)), i))
    rows = [Member(rep, ids[rep], True, 1.0, "representative")]
    others = []
    for i in members:
        if i != rep:
            sim, how = similarity(i, rep)
            others.append(Member(i, ids[i], False, round(sim, 4), how))
    others.sort(key=lambda m: (-m.similarity, m.record_id, m.index))
    return Cluster(min(ids[i] for i in members), (rows[0], *others))


class UnionFind:
    """Disjoint sets over integers (only those ever joined are stored)."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        parent = self.parent
        root = parent.setdefault(x, x)
        while root != parent[root]:
            root = parent[root]
        while x != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    def union(self, x: int, y: int) -> None:
        rx, ry = self.find(x), self.find(y)
        if rx != ry:
            if ry < rx:
                rx, ry = ry, rx
            self.parent[ry] = rx

    def groups(self) -> list[list[int]]:
        """Every set of two or more members, each sorted, ordered by first member."""
        found: dict[int, list[int]] = {}
        for x in self.parent:
            found.setdefault(self.find(x), []).append(x)
        return sorted((sorted(g) for g in found.values() if len(g) > 1), key=lambda g: g[0])
