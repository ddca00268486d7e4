"""Format detection over many rows: each row votes for its best-scoring format.

The winner is the format most sampled rows match best; its confidence is the share of
sampled rows that voted for it. Files whose rows split between formats are reported as
mixed, and rows that no format fits count as unknown.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from curate.formats import all_formats
from curate.formats.base import Format

DEFAULT_SAMPLE = 1000
# A row whose best score is below this fits no format.
MIN_SCORE = 0.25
# A second format with at least this share of the sample makes the file "mixed".
MIXED_SHARE = 0.02
# Below this confidence the detection is reported as uncertain.
LOW_CONFIDENCE = 0.9
# Detection never buffers more than this many bytes of sampled rows.
SAMPLE_BYTES = 256 * 1024 * 1024


@dataclass
class Detection:
    """The detected format of a file (None when no row fits any format)."""

    format: str | None
    confidence: float
    mixed: dict[str, int] = field(default_factory=dict)
    sampled: int = 0
    unknown: int = 0

    @property
    def is_mixed(self) -> bool:
        """More than one format holds a real share of the sampled rows."""
        if not self.sampled:
            return False
        real = [n for n in self.mixed.values() if n / self.sampled >= MIXED_SHARE]
        return len(real) > 1

    @property
    def low_confidence(self) -> bool:
        return self.format is not None and self.confidence < LOW_CONFIDENCE

    def warnings(self) -> list[str]:
        """Sentences for the user about a mixed or uncertain detection."""
        out = []
        if self.is_mixed:
            parts = ", ".join(f"{n} {name}" for name, n in sorted(self.mixed.items(), key=lambda kv: -kv[1]))
            out.append(f"The file mixes formats ({parts} of {self.sampled} sampled rows).")
        if self.low_confidence:
            out.append(
                f"Only {self.confidence:.0%} of the sampled rows look like {self.format}; "
                "pass --from to choose the format."
            )
        if self.unknown and self.format is not None:
            out.append(f"{self.unknown} of {self.sampled} sampled rows match no known format.")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "confidence": round(self.confidence, 4),
            "mixed": dict(self.mixed),
            "sampled": self.sampled,
            "unknown": self.unknown,
            "is_mixed": self.is_mixed,
            "low_confidence": self.low_confidence,
        }


def best_format(value: Any, formats: Iterable[Format]) -> str | None:
    """The name of the format that fits one parsed row best, or None below ``MIN_SCORE``.

    Ties go to the format listed first.
    """
    best_name, best_score = None, MIN_SCORE
    for fmt in formats:
        try:
            score = fmt.score(value)
        except Exception:  # a scorer must never raise; a broken one simply does not vote
            continue
        if score > best_score or (score == best_score and best_name is None):
            best_name, best_score = fmt.name, score
    return best_name


def detect_values(values: Iterable[Any], formats: dict[str, Format] | None = None) -> Detection:
    """Detect the format of already parsed rows (all of ``values`` are sampled)."""
    pool = list((formats or all_formats()).values())
    counts: dict[str, int] = {}
    sampled = unknown = 0
    for value in values:
        sampled += 1
        name = best_format(value, pool)
        if name is None:
            unknown += 1
        else:
            counts[name] = counts.get(name, 0) + 1
    if not counts:
        return Detection(None, 0.0, {}, sampled, unknown)
    winner = max(counts, key=lambda n: counts[n])
    mixed = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return Detection(winner, counts[winner] / sampled, mixed, sampled, unknown)


def detect_stream(
    rows: Iterator[Any],
    sample: int = DEFAULT_SAMPLE,
    formats: dict[str, Format] | None = None,
) -> tuple[Detection, Iterator[Any]]:
    """Detect over the first ``sample`` parsed rows of a Row stream without losing any row.

    Returns the detection and an iterator over every row (the buffered ones first).
    Rows that failed to parse are buffered but not sampled.
    """
    head: list[Any] = []
    values: list[Any] = []
    held = 0
    for row in rows:
        head.append(row)
        held += row.size
        if row.ok:
            values.append(row.value)
        if len(values) >= sample or held >= SAMPLE_BYTES or len(head) >= 50 * sample:
            break
    detection = detect_values(values, formats)
    return detection, itertools.chain(head, rows)
