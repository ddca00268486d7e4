"""Format detection over many rows: each row votes for its best-scoring format.

The winner is the format most sampled rows match best. Its votes are then checked: each row
that voted for it is parsed, and the confidence is the share of sampled rows that both voted
for it and parse as it (a file whose rows only look like a format is not that format). When no
sampled row parses as the winner, detection fails, with a sentence saying what the rows look
like where a known non-format shape is recognised (self-instruct seed tasks, a LLaMA-Factory
dataset registry). Files whose rows split between formats are reported as mixed, and rows
that no format fits count as unknown.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from curate.errors import RowError
from curate.formats import all_formats
from curate.formats.base import Format

DEFAULT_SAMPLE = 1000
# A row whose best score is below this fits no format.
MIN_SCORE = 0.25
# A second format with at least this share of the sample makes the file "mixed".
MIXED_SHARE = 0.02
# Below this confidence the detection is reported as uncertain.
LOW_CONFIDENCE = 0.9
# At most this many of the winner's sampled rows are parsed to check the vote (spread evenly
# over them); their failure rate is taken for all of them.
PARSE_CHECKS = 200
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
    # of the ``checked`` rows that voted for ``format``, how many do not parse as it and why
    failed: int = 0
    failures: dict[str, int] = field(default_factory=dict)
    checked: int = 0
    # when detection fails: why, as (sentence, fix), for the user
    reason: tuple[str, str | None] | None = None

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
        if self.failed and self.format is not None:
            code = max(self.failures, key=lambda c: self.failures[c]) if self.failures else "?"
            out.append(
                f"{self.failed} of {self.checked} checked rows look like {self.format} but do "
                f"not parse as it (most often: {code})."
            )
        if self.low_confidence:
            out.append(
                f"Only {self.confidence:.0%} of the sampled rows read as {self.format}; "
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
            "failed": self.failed,
            "failures": dict(self.failures),
            "checked": self.checked,
            "reason": self.reason[0] if self.reason else None,
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


def detect_values(
    values: Iterable[Any],
    formats: dict[str, Format] | None = None,
    alternates: list[Any] | None = None,
) -> Detection:
    """Detect the format of already parsed rows (all of ``values`` are sampled).

    ``alternates`` holds, per value, a second reading of the row or None (CSV cells as text);
    a row parses when either reading does.
    """
    pool_map = formats or all_formats()
    pool = list(pool_map.values())
    values = list(values)
    counts: dict[str, int] = {}
    voters: dict[str, list[int]] = {}
    unknown = 0
    for i, value in enumerate(values):
        name = best_format(value, pool)
        if name is None:
            unknown += 1
        else:
            counts[name] = counts.get(name, 0) + 1
            voters.setdefault(name, []).append(i)
    sampled = len(values)
    if not counts:
        return Detection(None, 0.0, {}, sampled, unknown, reason=_no_format(values))
    winner = max(counts, key=lambda n: counts[n])
    mixed = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    fmt = pool_map[winner]
    failures: dict[str, int] = {}
    first: RowError | None = None
    votes = voters[winner]
    step = max(1, len(votes) // PARSE_CHECKS)
    checked = votes[::step][:PARSE_CHECKS]
    for i in checked:
        error = _parse_error(fmt, values[i])
        alt = alternates[i] if alternates is not None else None
        if error is not None and alt is not None and _parse_error(fmt, alt) is None:
            error = None  # the second reading (CSV cells as text) parses
        if error is not None:
            failures[error.code] = failures.get(error.code, 0) + 1
            first = first or error
    failed = sum(failures.values())
    parsed = counts[winner] * (len(checked) - failed) / len(checked)
    if not parsed:
        reason = _no_format(values) or _none_parse(winner, len(checked), sampled, first)
        return Detection(None, 0.0, mixed, sampled, unknown, failed, failures, len(checked), reason)
    return Detection(
        winner, parsed / sampled, mixed, sampled, unknown, failed, failures, len(checked)
    )


def _parse_error(fmt: Format, value: Any) -> RowError | None:
    """Why ``value`` does not parse as ``fmt`` (None when it does)."""
    try:
        fmt.parse(value)
    except RowError as exc:
        return exc
    except Exception as exc:  # a format must raise RowError; a crash counts as a failure
        return RowError("data_type", f"The row cannot be read ({type(exc).__name__}).")
    return None


def _none_parse(
    name: str, checked: int, sampled: int, first: RowError | None
) -> tuple[str, str | None]:
    why = f" ({first.code}: {first.message})" if first else ""
    return (
        f"the rows look most like {name}, but none of the {checked} checked rows (of "
        f"{sampled} sampled) parses as {name}{why}",
        f"Pass --from {name} to read it anyway (each row is then rejected with its reason), "
        "or --from with another format.",
    )


def _no_format(values: list[Any]) -> tuple[str, str | None] | None:
    """A sentence for a recognised shape that is not a dataset format (None otherwise)."""
    dicts = [v for v in values if isinstance(v, dict)]
    if not dicts:
        return None
    registry = _registry_files(dicts)
    if registry is not None:
        shown = ", ".join(registry[:5]) + (f" and {len(registry) - 5} more" if len(registry) > 5 else "")
        return (
            "this is a LLaMA-Factory dataset registry (dataset_info.json), not data; convert "
            f"the files it names: {shown or 'none is a local file'}",
            "Run curate convert on each data file; its format is detected from its rows.",
        )
    seeds = sum(1 for v in dicts if _is_seed_task(v))
    if seeds * 2 > len(values):
        return (
            "no known format; the rows look like self-instruct seed tasks (`instances` holds "
            "the input/output pairs)",
            "Flatten each instance into an alpaca row (instruction, input, output), for "
            "example with: jq -c '.instruction as $i | .instances[] | {instruction: $i, "
            "input, output}' seed_tasks.jsonl",
        )
    return None


def _is_seed_task(row: dict[str, Any]) -> bool:
    instances = row.get("instances")
    return (
        "instruction" in row
        and isinstance(instances, list)
        and bool(instances)
        and all(isinstance(i, dict) and "output" in i for i in instances)
    )


_REGISTRY_KEYS = frozenset(
    {"file_name", "hf_hub_url", "ms_hub_url", "om_hub_url", "script_url", "cloud_file_name"}
)


def _registry_files(rows: list[dict[str, Any]]) -> list[str] | None:
    """The local files a LLaMA-Factory ``dataset_info.json`` names, or None if it is not one."""
    if len(rows) != 1 or not rows[0]:
        return None
    entries = rows[0].values()
    if not all(isinstance(e, dict) and _REGISTRY_KEYS & e.keys() for e in entries):
        return None
    return [str(e["file_name"]) for e in entries if isinstance(e.get("file_name"), str)]


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
    alternates: list[Any] = []
    held = 0
    for row in rows:
        head.append(row)
        held += row.size
        if row.ok:
            values.append(row.value)
            alternates.append(row.alt)
        if len(values) >= sample or held >= SAMPLE_BYTES or len(head) >= 50 * sample:
            break
    detection = detect_values(values, formats, alternates)
    return detection, itertools.chain(head, rows)
