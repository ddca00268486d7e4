"""Dataset statistics for ``curate inspect``: format, kinds, roles, turns, lengths, tools,
languages and the rejects a conversion would produce.

Lengths are measured per example over its longest training sequence: the whole conversation
for SFT and unpaired records, the prompt plus the longer of chosen and rejected for
preference records (message contents plus tool-call names and arguments). Languages are
detected with langdetect (seeded) on a reservoir sample of records, not on every record.
"""

from __future__ import annotations

import random
import statistics
from array import array
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from curate.errors import RowError
from curate.formats import get_format
from curate.formats.detect import Detection
from curate.records import Message, Record
from curate.source import RecordSource
from curate.tokens import token_counter

LANGUAGE_SAMPLE = 200
REJECT_EXAMPLES = 5
_RAW_PREVIEW = 300
_LANG_TEXT = 2000


def summarize(values: array) -> dict[str, float | int] | None:
    """min / median / mean / p95 / max of a list of counts (None when empty)."""
    if not values:
        return None
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return {
        "min": ordered[0],
        "median": statistics.median(ordered),
        "mean": round(sum(ordered) / len(ordered), 1),
        "p95": p95,
        "max": ordered[-1],
    }


@dataclass
class InspectReport:
    """What ``curate inspect`` shows (``to_dict`` is its ``--json`` output)."""

    input: str
    format: str | None
    detection: Detection
    read: int = 0
    records: int = 0
    rejected: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    text_records: int = 0
    roles: dict[str, int] = field(default_factory=dict)
    turns: dict[str, float | int] | None = None
    chars: dict[str, float | int] | None = None
    tokens: dict[str, float | int] | None = None
    tokenizer: str = "estimate"
    tools: dict[str, Any] = field(default_factory=dict)
    languages: dict[str, int] = field(default_factory=dict)
    language_sampled: int = 0
    rejects: dict[str, int] = field(default_factory=dict)
    reject_examples: list[dict[str, Any]] = field(default_factory=list)
    target: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "input": self.input,
            "format": self.format,
            "detected_format": self.detection.format,
            "confidence": round(self.detection.confidence, 4),
            "detection": self.detection.to_dict(),
            "read": self.read,
            "records": self.records,
            "rejected": self.rejected,
            "kinds": self.kinds,
            "text_records": self.text_records,
            "roles": self.roles,
            "turns": self.turns,
            "chars": self.chars,
            "tokens": self.tokens,
            "tokenizer": self.tokenizer,
            "tools": self.tools,
            "languages": self.languages,
            "language_sampled": self.language_sampled,
            "target": self.target,
            "rejects": self.rejects,
            "reject_examples": self.reject_examples,
        }


def _message_text(m: Message) -> str:
    parts = [m.content or ""]
    for call in m.tool_calls or ():
        parts.append(call.function.name)
        parts.append(call.function.arguments)
    return "\n".join(parts) if len(parts) > 1 else parts[0]


def training_text(record: Record) -> str:
    """The longest sequence the record trains on, as one text."""
    turns = list(record.messages)
    if record.kind == "preference":
        chosen = "\n".join(_message_text(m) for m in record.chosen or ())
        rejected = "\n".join(_message_text(m) for m in record.rejected or ())
        prompt = "\n".join(_message_text(m) for m in turns)
        return prompt + "\n" + max(chosen, rejected, key=len)
    return "\n".join(_message_text(m) for m in turns)


def _language_text(record: Record) -> str:
    msgs = [*record.messages, *(record.chosen or ())]
    text = "\n".join(m.content or "" for m in msgs if m.role in ("user", "assistant"))
    return text[:_LANG_TEXT]


def _detect_languages(texts: list[str]) -> Counter[str]:
    from langdetect import DetectorFactory, detect
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0
    found: Counter[str] = Counter()
    for text in texts:
        try:
            found[detect(text)] += 1
        except LangDetectException:
            found["unknown"] += 1
    return found


class _Stats:
    """Running statistics over records (bounded memory apart from one int per record)."""

    def __init__(self, count_tokens: Callable[[str], int], language_sample: int) -> None:
        self.count_tokens = count_tokens
        self.kinds: Counter[str] = Counter()
        self.roles: Counter[str] = Counter()
        self.tool_names: Counter[str] = Counter()
        self.defined: Counter[str] = Counter()
        self.with_tools = self.with_calls = self.text = 0
        self.turns, self.chars, self.tokens = array("q"), array("q"), array("q")
        self.sample: list[str] = []
        self.sample_size = language_sample
        self.seen = 0
        self.rng = random.Random(0)

    def add(self, record: Record) -> None:
        self.kinds[record.kind] += 1
        self.text += record.text
        msgs = [*record.messages, *(record.chosen or ()), *(record.rejected or ())]
        calls = False
        for m in msgs:
            self.roles[m.role] += 1
            for call in m.tool_calls or ():
                calls = True
                self.tool_names[call.function.name] += 1
        self.with_calls += calls
        if record.tools:
            self.with_tools += 1
            for tool in record.tools:
                fn = tool.get("function", tool) if isinstance(tool, dict) else None
                if isinstance(fn, dict) and isinstance(fn.get("name"), str):
                    self.defined[fn["name"]] += 1
        answer = record.chosen or [] if record.kind == "preference" else []
        self.turns.append(len(record.messages) + len(answer))
        text = training_text(record)
        self.chars.append(len(text))
        self.tokens.append(self.count_tokens(text))
        self._sample_language(record)

    def _sample_language(self, record: Record) -> None:
        self.seen += 1
        if len(self.sample) < self.sample_size:
            self.sample.append(_language_text(record))
            return
        slot = self.rng.randrange(self.seen)
        if slot < self.sample_size:
            self.sample[slot] = _language_text(record)


def inspect_file(
    path: str | Path,
    fmt: str | None = None,
    *,
    to: str | None = None,
    tokenizer: str | Path | None = None,
    language_sample: int = LANGUAGE_SAMPLE,
    progress: Callable[[int, int], None] | None = None,
) -> InspectReport:
    """Read a file and gather its statistics. With ``to``, rows the target format cannot
    hold are counted among the rejects, as ``curate convert --to`` would reject them.

    ``read = records + rejected`` holds without ``to``; with it, ``rejected`` also counts
    records that parsed but that the target cannot hold.
    """
    target = get_format(to) if to else None
    counter = token_counter(tokenizer)
    source = RecordSource(path, fmt)
    report = InspectReport(
        input=str(path),
        format=source.format_name,
        detection=source.detection,
        tokenizer=str(tokenizer) if tokenizer else "estimate",
        target=target.name if target else None,
    )
    stats = _Stats(counter, language_sample)
    reasons: Counter[str] = Counter()
    reader = source.reader
    for row, result in source.parsed():
        report.read += 1
        if progress is not None and report.read % 1024 == 0:
            progress(reader.position(), reader.size)
        error = result if isinstance(result, RowError) else None
        if error is None and target is not None:
            try:
                target.render(result)  # type: ignore[arg-type]
            except RowError as exc:
                error = exc
        if isinstance(result, Record):
            report.records += 1
            stats.add(result)
        if error is not None:
            report.rejected += 1
            reasons[error.code] += 1
            if len(report.reject_examples) < REJECT_EXAMPLES:
                raw = row.raw
                report.reject_examples.append(
                    {
                        "line": row.number,
                        "code": error.code,
                        "message": error.message,
                        "raw": raw if len(raw) <= _RAW_PREVIEW else raw[:_RAW_PREVIEW] + "…",
                    }
                )
    _finish(report, stats, reasons)
    return report


def _finish(report: InspectReport, stats: _Stats, reasons: Counter[str]) -> None:
    report.kinds = dict(stats.kinds.most_common())
    report.text_records = stats.text
    report.roles = dict(stats.roles.most_common())
    report.turns = summarize(stats.turns)
    report.chars = summarize(stats.chars)
    report.tokens = summarize(stats.tokens)
    report.tools = {
        "records_with_tools": stats.with_tools,
        "records_with_tool_calls": stats.with_calls,
        "defined": dict(stats.defined.most_common(20)),
        "called": dict(stats.tool_names.most_common(20)),
    }
    languages = _detect_languages(stats.sample) if stats.sample else Counter()
    report.languages = dict(languages.most_common())
    report.language_sampled = len(stats.sample)
    report.rejects = dict(reasons.most_common())
