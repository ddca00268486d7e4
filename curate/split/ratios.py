"""Split ratios: parsing ``0.8,0.1,0.1``, the guide's test range, and fair per-stratum targets."""

from __future__ import annotations

import math
from dataclasses import dataclass

from curate.errors import UsageError
from curate.store.annotations import SPLITS

TEST_RANGE = (0.10, 0.20)  # the share of test records the guide recommends


@dataclass(frozen=True)
class Ratios:
    """Train, validation and test shares that add up to 1.

    >>> Ratios.parse("0.8,0.1,0.1").test
    0.1
    >>> Ratios.parse("80/10/10").as_dict()
    {'train': 0.8, 'validation': 0.1, 'test': 0.1}
    """

    train: float = 0.8
    validation: float = 0.1
    test: float = 0.1

    @classmethod
    def parse(cls, text: str) -> Ratios:
        """Three numbers separated by commas or slashes; percentages are scaled to 1."""
        parts = [p.strip() for p in text.replace("/", ",").split(",")]
        try:
            values = [float(p) for p in parts]
        except ValueError:
            values = []
        if len(values) != 3 or any(not math.isfinite(v) or v < 0 for v in values):
            raise UsageError(
                f"The ratios '{text}' are not three non-negative numbers.",
                "Write them as TRAIN,VALIDATION,TEST, for example --ratios 0.8,0.1,0.1.",
            )
        total = sum(values)
        if abs(total - 100) < 1e-6:  # given as percentages
            values = [v / 100 for v in values]
            total /= 100
        if abs(total - 1.0) > 1e-6:
            raise UsageError(
                f"The ratios '{text}' add up to {total:g}, not 1.",
                "Make train + validation + test add up to 1, for example 0.8,0.1,0.1.",
            )
        return cls(*values)

    def as_dict(self) -> dict[str, float]:
        return {"train": self.train, "validation": self.validation, "test": self.test}

    def of(self, split: str) -> float:
        return self.as_dict()[split]

    def test_warning(self) -> str | None:
        """A sentence when the test share is outside the guide's 10-20% range."""
        low, high = TEST_RANGE
        if low - 1e-9 <= self.test <= high + 1e-9:
            return None
        return (
            f"The test share is {self.test:.0%}; the guide recommends {low:.0%}-{high:.0%} "
            "(too small a test set gives noisy scores, too big a one starves training)."
        )


def targets(sizes: dict[str, int], ratios: Ratios) -> dict[str, dict[str, int]]:
    """Units per split for each stratum: ``floor`` or ``ceil`` of its exact share (so within
    one unit per stratum), with the leftovers handed to the splits furthest behind overall.

    >>> targets({"a": 10, "b": 3}, Ratios(0.8, 0.1, 0.1))
    {'a': {'train': 8, 'validation': 1, 'test': 1}, 'b': {'train': 3, 'validation': 0, 'test': 0}}
    """
    total = sum(sizes.values())
    out: dict[str, dict[str, int]] = {}
    given = dict.fromkeys(SPLITS, 0)
    exact: dict[str, dict[str, float]] = {}
    for name in sorted(sizes):
        n = sizes[name]
        exact[name] = {s: ratios.of(s) * n for s in SPLITS}
        out[name] = {s: math.floor(exact[name][s] + 1e-9) for s in SPLITS}
        for s in SPLITS:
            given[s] += out[name][s]
    for name in sorted(sizes):
        left = sizes[name] - sum(out[name].values())
        # at most one extra unit per split in a stratum, and only where its share is fractional
        open_ = [s for s in SPLITS if exact[name][s] - out[name][s] > 1e-9]
        for _ in range(left):
            best = max(
                open_,
                key=lambda s: (
                    ratios.of(s) * total - given[s],
                    exact[name][s] - out[name][s],
                    -SPLITS.index(s),
                ),
            )
            open_.remove(best)
            out[name][best] += 1
            given[best] += 1
    return out
