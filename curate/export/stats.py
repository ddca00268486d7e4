"""Statistics of an export: counts by split, origin and tag, generators, and text lengths."""

from __future__ import annotations

import statistics
from collections import Counter
from typing import Any

from curate.records import Message, Record

TAG_KEYS = ("category", "difficulty", "language")


def chars(messages: list[Message] | None) -> int:
    return sum(len(m.content or "") for m in messages or [])


def length_summary(values: list[int]) -> dict[str, float | int]:
    """min / median / mean / max of a list of lengths (zeros for an empty list).

    >>> length_summary([1, 2, 3, 10])
    {'min': 1, 'median': 2.5, 'mean': 4.0, 'max': 10}
    """
    if not values:
        return {"min": 0, "median": 0, "mean": 0, "max": 0}
    return {
        "min": min(values),
        "median": statistics.median(values),
        "mean": round(statistics.fmean(values), 1),
        "max": max(values),
    }


NOT_RECORDED = "imported as synthetic; generator not recorded"


def generators(records: list[Record]) -> list[dict[str, Any]]:
    """Provider and model of the synthetic records, most records first.

    What provenance does not record stays null: records imported with ``--origin synthetic``
    and no generator are listed as one entry with a note, never as a made-up name.
    """
    counts: Counter[tuple[str | None, str | None]] = Counter()
    for r in records:
        if r.provenance.origin == "synthetic":
            p = r.provenance
            counts[(p.generator_provider or None, p.generator_model or None)] += 1
    out = []
    for (provider, model), n in sorted(
        counts.items(), key=lambda kv: (-kv[1], kv[0][0] or "", kv[0][1] or "")
    ):
        entry: dict[str, Any] = {"provider": provider, "model": model, "records": n}
        if provider is None and model is None:
            entry["note"] = NOT_RECORDED
        out.append(entry)
    return out


def split_stats(records: list[Record]) -> dict[str, Any]:
    """Counts and lengths of one split's records."""
    origin = Counter(r.provenance.origin for r in records)
    tags: dict[str, dict[str, int]] = {}
    for key in TAG_KEYS:
        values = Counter(r.tags.get(key) or "(none)" for r in records)
        if set(values) != {"(none)"}:
            tags[key] = dict(sorted(values.items(), key=lambda kv: (-kv[1], kv[0])))
    turns = [len(r.messages) + len(r.answer_messages() if r.kind != "sft" else []) for r in records]
    return {
        "records": len(records),
        "origin": {"real": origin.get("real", 0), "synthetic": origin.get("synthetic", 0)},
        "tags": tags,
        "turns": length_summary(turns),
        "prompt_chars": length_summary([chars(r.prompt_messages()) for r in records]),
        "answer_chars": length_summary([chars(r.answer_messages()) for r in records]),
        "tools": sum(1 for r in records if r.tools),
    }


def export_stats(by_split: dict[str, list[Record]]) -> dict[str, Any]:
    """Statistics per split and overall."""
    everything = [r for records in by_split.values() for r in records]
    out = {split: split_stats(records) for split, records in by_split.items() if records}
    out["overall"] = split_stats(everything)
    return out
