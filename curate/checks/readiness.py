"""Readiness for training: volume against the guidance, synthetic share, test split, hyperparameters."""

from __future__ import annotations

import statistics
from typing import Any, ClassVar

from curate import synthetic_share
from curate.checks.base import DatasetCheck, DatasetFinding, DatasetResult
from curate.checks.profile import Profile

# (upper bound, band, what the count supports)
VOLUME_BANDS: list[tuple[float, str, str]] = [
    (50, "not_enough", "not enough to fine-tune reliably (fewer than 50)"),
    (200, "poc", "enough for a format or style proof of concept (50-200)"),
    (1_000, "domain", "enough for domain adaptation (200-1,000)"),
    (10_000, "robust", "enough for robust task performance (1,000-10,000)"),
    (float("inf"), "large", "a large dataset (over 10,000)"),
]
LORA_RANKS = {"style": (8, 16), "domain": (16, 32), "reasoning": (64, 64)}
TEST_SPLITS = frozenset({"test"})
EVAL_SPLITS = frozenset({"validation", "valid", "val", "eval", "dev"})


def volume_band(n: int) -> tuple[str, str]:
    """The guidance band for ``n`` records.

    >>> volume_band(40)[0], volume_band(150)[0], volume_band(5000)[0]
    ('not_enough', 'poc', 'robust')
    """
    for bound, band, text in VOLUME_BANDS:
        if n < bound:
            return band, text
    return VOLUME_BANDS[-1][1], VOLUME_BANDS[-1][2]


def task_complexity(profiles: list[Profile]) -> str:
    """style, domain or reasoning, from how long and how structured the answers are."""
    n = len(profiles)
    if not n:
        return "style"
    reasoning = sum(p.reasoning or p.tools for p in profiles) / n
    median_words = statistics.median(p.words for p in profiles)
    if reasoning >= 0.3 or median_words >= 400:
        return "reasoning"
    if median_words < 60 and len({p.group for p in profiles}) <= 3:
        return "style"
    return "domain"


def hyperparameters(n: int, task: str) -> dict[str, Any]:
    """Starting points from the guide: epochs 1-2 under 1,000 samples, 1 above; LoRA rank by task."""
    low, high = LORA_RANKS[task]
    return {
        "epochs": 2 if n < 1_000 else 1,
        "epochs_range": "1-2" if n < 1_000 else "1",
        "task": task,
        "lora_rank": high if task != "style" else low,
        "lora_rank_range": f"{low}-{high}" if low != high else str(low),
        "lora_alpha": 2 * (high if task != "style" else low),
    }


class ReadinessCheck(DatasetCheck):
    """not_enough_records, synthetic_share_over_limit, test_split_size; suggests hyperparameters."""

    name: ClassVar[str] = "readiness"
    pillar = "diversity"
    codes = ("not_enough_records", "synthetic_share_over_limit", "test_split_size")

    def check(self, profiles: list[Profile]) -> DatasetResult:
        o = self.options
        n = len(profiles)
        result = DatasetResult()
        band, text = volume_band(n)
        synthetic = sum(p.origin == "synthetic" for p in profiles)
        share = round(synthetic_share.share(synthetic, n), 4)
        splits: dict[str, int] = {}
        for p in profiles:
            if p.split:
                splits[p.split.lower()] = splits.get(p.split.lower(), 0) + 1
        test = sum(v for k, v in splits.items() if k in TEST_SPLITS)
        test_share = round(test / n, 4) if splits and n else None
        task = task_complexity(profiles) if o.task == "auto" else o.task
        tokens = [p.tokens for p in profiles if p.tokens is not None]
        result.metrics = {
            "records": n,
            "volume_band": band,
            "volume": text,
            "synthetic_share": share,
            "max_synthetic_share": o.max_synthetic_share,
            "splits": splits,
            "test_share": test_share,
            "tokens_total": sum(tokens) if tokens else None,
            "tokens_median": statistics.median(tokens) if tokens else None,
            "tokens_max": max(tokens) if tokens else None,
            "suggested": hyperparameters(n, task),
        }
        if band == "not_enough":
            result.findings.append(DatasetFinding("not_enough_records", f"{n} records: {text}.", value=n))
        if synthetic_share.over_limit(synthetic, n, o.max_synthetic_share):
            result.findings.append(
                DatasetFinding(
                    synthetic_share.REASON,
                    f"{share:.0%} of the records are synthetic; the limit is {o.max_synthetic_share:.0%}.",
                    value=share,
                )
            )
        if test_share is not None and not (o.test_split_min <= test_share <= o.test_split_max):
            result.findings.append(
                DatasetFinding(
                    "test_split_size",
                    f"The test split holds {test_share:.0%} of the records; aim for "
                    f"{o.test_split_min:.0%}-{o.test_split_max:.0%}.",
                    value=test_share,
                )
            )
        return result


CHECKS = [ReadinessCheck]
