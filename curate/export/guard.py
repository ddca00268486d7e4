"""The real:synthetic guard: no split may exceed the workspace's synthetic share limit.

Without ``--cap-synthetic`` an export over the limit is refused with the numbers; with it the
synthetic records of that split are down-sampled, best quality first, until the split fits.
Quality order: fewer failed checks, then the higher judge score (records without one after
those with one), then a stable hash of the id (so the choice is deterministic).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from curate.errors import CurateError
from curate.store.split_facts import Checks
from curate.synthetic_share import allowed_synthetic, over_limit
from curate.synthetic_share import share as share_of


@dataclass(frozen=True)
class Share:
    """The synthetic share of one split (or of the whole export).

    >>> Share("train", 3, 10).over(0.30), Share("train", 4, 10).over(0.30)
    (False, True)
    """

    split: str
    synthetic: int
    total: int

    @property
    def share(self) -> float:
        return share_of(self.synthetic, self.total)

    @property
    def real(self) -> int:
        return self.total - self.synthetic

    def over(self, limit: float) -> bool:
        return over_limit(self.synthetic, self.total, limit)


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
