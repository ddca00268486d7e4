"""The real:synthetic guard: no split may exceed the workspace's synthetic share limit.

Without ``--cap-synthetic`` an export over the limit is refused with the numbers; with it the
synthetic records of that split are down-sampled, best quality first, until the split fits.
Quality order: fewer failed checks, then the higher judge score (records without one after
those with one), then a stable hash of the id (so the choice is deterministic).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from curate.errors import CurateError
from curate.store.split_facts import Checks


@dataclass(frozen=True)
class Share:
    """The synthetic share of one split (or of the whole export)."""

    split: str
    synthetic: int
    total: int

    @property
    def share(self) -> float:
        return self.synthetic / self.total if self.total else 0.0

    @property
    def real(self) -> int:
        return self.total - self.synthetic

    def over(self, limit: float) -> bool:
        return self.share > limit + 1e-9


class SyntheticShareExceeded(CurateError):
    """A split's synthetic share is over the limit (a finding: exit 1)."""

    exit_code = 1

    def __init__(self, share: Share, limit: float) -> None:
        keep = allowed_synthetic(share.real, limit)
        super().__init__(
            f"The {share.split} split would be {share.share:.1%} synthetic ({share.synthetic} "
            f"synthetic of {share.total} records), over the limit of {limit:.0%} "
            "(max_synthetic_share in curate.toml); nothing was written.",
            f"Pass --cap-synthetic to keep only the best {keep} synthetic records of that split, "
            f"add or approve more real records, or raise max_synthetic_share.",
        )
        self.share = share
        self.limit = limit


def allowed_synthetic(real: int, limit: float) -> int:
    """The most synthetic records that fit beside ``real`` real ones under ``limit``.

    >>> allowed_synthetic(70, 0.30), allowed_synthetic(7, 0.30), allowed_synthetic(5, 0.0)
    (30, 3, 0)
    """
    if limit >= 1:
        return 10**18
    if limit <= 0:
        return 0
    return max(0, math.floor(limit * real / (1 - limit) + 1e-9))


def quality_order(checks: Checks) -> Callable[[str], tuple]:
    """A sort key over record ids: best quality first (see the module docstring)."""

    def key(record_id: str) -> tuple:
        score = checks.scores.get(record_id)
        tie = hashlib.blake2b(record_id.encode(), digest_size=8).digest()
        return (len(checks.failed.get(record_id, ())), score is None, -(score or 0.0), tie)

    return key


def cap_split(
    ids: Sequence[str], synthetic: set[str], limit: float, checks: Checks
) -> tuple[list[str], list[str]]:
    """Keep every real record and the best synthetic ones that fit; returns (kept, dropped)
    with ``kept`` in the original order."""
    real = sum(1 for i in ids if i not in synthetic)
    room = allowed_synthetic(real, limit)
    ranked = sorted((i for i in ids if i in synthetic), key=quality_order(checks))
    if len(ranked) <= room:
        return list(ids), []
    dropped = set(ranked[room:])
    return [i for i in ids if i not in dropped], [i for i in ranked[room:]]
