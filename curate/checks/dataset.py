"""Diversity of the dataset: category balance, distinct-n, duplicates, instruction spread."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any, ClassVar

import numpy as np

from curate.checks.base import DatasetCheck, DatasetFinding, DatasetResult
from curate.checks.profile import Profile

DEFAULT_WEIGHTS = {"balance": 0.3, "distinct": 0.25, "duplicates": 0.25, "spread": 0.2}


def balance(counts: Counter[Any]) -> float | None:
    """Normalised entropy of a distribution: 1.0 even, 0.0 all in one value.

    >>> balance(Counter({"a": 5, "b": 5}))
    1.0
    >>> balance(Counter({"a": 10}))
    0.0
    """
    total = sum(counts.values())
    if not total:
        return None
    if len(counts) < 2:
        return 0.0
    h = -sum((n / total) * math.log(n / total) for n in counts.values() if n)
    return round(h / math.log(len(counts)), 4)


def distinct_n(profiles: list[Profile]) -> tuple[float | None, float | None]:
    """distinct-1 and distinct-2 of the answers' sampled n-grams (unique / total)."""
    unis = [p.ngrams[0] for p in profiles if p.ngrams is not None]
    bis = [p.ngrams[1] for p in profiles if p.ngrams is not None]
    if not unis:
        return None, None
    u, b = np.concatenate(unis), np.concatenate(bis)
    d1 = _distinct(u) / len(u) if len(u) else None
    d2 = _distinct(b) / len(b) if len(b) else None
    return (round(d1, 4) if d1 is not None else None, round(d2, 4) if d2 is not None else None)


def _distinct(values: np.ndarray) -> int:
    """How many different values (a sort and a diff: faster than ``np.unique`` on hashes)."""
    return int(np.count_nonzero(np.diff(np.sort(values)))) + 1 if len(values) else 0


def distribution(counts: Counter[Any], total: int, top: int = 12) -> dict[str, float]:
    return {str(k): round(n / total, 4) for k, n in counts.most_common(top)}


class DiversityCheck(DatasetCheck):
    """Category and difficulty balance, distinct-1/2, exact-normalised duplicate rate, and the
    spread of instruction verbs and topics; warns on a dominant category.

    The score (0-100) weights four parts: balance (normalised entropy of categories),
    distinct (distinct-2 / 0.5, capped at 1), duplicates (1 - duplicate rate / 0.2, floored at
    0) and spread (mean of verb and topic normalised entropy). Parts that cannot be measured
    (no category tags) leave the weighting.
    """

    name: ClassVar[str] = "diversity"
    pillar = "diversity"
    codes = ("dominant_category", "high_duplicate_rate", "low_distinct_n", "low_instruction_spread", "no_categories")

    def check(self, profiles: list[Profile]) -> DatasetResult:
        o = self.options
        n = len(profiles)
        result = DatasetResult()
        if not n:
            return result
        cats = Counter(p.group for p in profiles if p.group is not None)
        diffs = Counter(p.difficulty for p in profiles if p.difficulty is not None)
        verbs = Counter(p.verb for p in profiles if p.verb)
        topics = Counter(p.topic for p in profiles if p.topic)
        dup_counts = Counter(p.dup_key for p in profiles)
        dup_rate = round((n - len(dup_counts)) / n, 4)
        d1, d2 = distinct_n(profiles)
        cat_balance = balance(cats)
        spread_parts = [x for x in (balance(verbs), balance(topics)) if x is not None]
        spread = round(sum(spread_parts) / len(spread_parts), 4) if spread_parts else None
        result.metrics = {
            "categories": distribution(cats, n) if cats else {},
            "category_balance": cat_balance,
            "untagged_share": round(1 - sum(cats.values()) / n, 4),
            "difficulty": distribution(diffs, n) if diffs else {},
            "difficulty_balance": balance(diffs),
            "distinct_1": d1,
            "distinct_2": d2,
            "duplicate_rate": dup_rate,
            "top_verbs": distribution(verbs, n, 8),
            "verb_spread": balance(verbs),
            "topic_spread": balance(topics),
        }
        if cats:
            top_cat, top_n = cats.most_common(1)[0]
            if top_n / n > o.dominant_share:
                result.findings.append(
                    DatasetFinding(
                        "dominant_category",
                        f"'{top_cat}' holds {top_n / n:.0%} of the records (over {o.dominant_share:.0%}).",
                        value=round(top_n / n, 4),
                    )
                )
        else:
            result.findings.append(
                DatasetFinding("no_categories", f"No record has a '{o.category_tag}' tag; balance is not measured.", "info")
            )
        if dup_rate > o.duplicate_rate_warn:
            result.findings.append(
                DatasetFinding(
                    "high_duplicate_rate",
                    f"{dup_rate:.1%} of the records repeat another after normalisation (over {o.duplicate_rate_warn:.0%}).",
                    value=dup_rate,
                )
            )
        if d2 is not None and d2 < o.distinct2_warn:
            result.findings.append(
                DatasetFinding("low_distinct_n", f"distinct-2 of the answers is {d2:.2f} (under {o.distinct2_warn}).", value=d2)
            )
        if spread is not None and n >= 50 and spread < 0.3:
            result.findings.append(
                DatasetFinding("low_instruction_spread", f"Instruction verbs and topics spread only {spread:.2f} (0-1).", value=spread)
            )
        parts = {
            "balance": cat_balance,
            "distinct": None if d2 is None else min(1.0, d2 / 0.5),
            "duplicates": max(0.0, 1 - dup_rate / 0.2),
            "spread": spread,
        }
        weights = {**DEFAULT_WEIGHTS, **o.weights}
        used = {k: w for k, w in weights.items() if parts.get(k) is not None and w > 0}
        if used:
            total_w = sum(used.values())
            result.score = round(100 * sum(parts[k] * w for k, w in used.items()) / total_w, 1)
        result.metrics["score_parts"] = {k: None if v is None else round(v, 4) for k, v in parts.items()}
        return result


CHECKS = [DiversityCheck]
