"""Dataset statistics for ``curate inspect``: format, kinds, roles, turns, lengths, tools,
languages and the rejects a conversion would produce.

Lengths are measured per example over its longest training sequence: the whole conversation
for SFT and unpaired records, the prompt plus the longer of chosen and rejected for
preference records (message contents plus tool-call names and arguments); its tokens are the
sum of its messages' counts. The per-record and per-message numbers are gathered as columns,
turned into polars frames a batch at a time, and summarised (min / median / mean / p95 / max)
overall, by kind and by role with polars. Languages are detected with langdetect (seeded) on
a reservoir sample of records, not on every record.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from curate.errors import RowError
from curate.formats import get_format
from curate.formats.detect import Detection
from curate.records import Message, Record
from curate.source import RecordSource
from curate.tokens import token_counter

if TYPE_CHECKING:
    import polars as pl

LANGUAGE_SAMPLE = 200
REJECT_EXAMPLES = 5
_RAW_PREVIEW = 300
_LANG_TEXT = 2000
FRAME_BATCH = 50_000  # rows gathered in Python lists before they become one polars frame
STATS = ("min", "median", "mean", "p95", "max")
_NONE = (0, 0, False)  # characters, tokens, tool calls of no messages


def _summary_exprs(column: str) -> list[pl.Expr]:
    import polars as pl

    col = pl.col(column)
    exprs = (col.min(), col.median(), col.mean(), col.quantile(0.95, "higher"), col.max())
    return [e.alias(f"{column}:{stat}") for e, stat in zip(exprs, STATS, strict=True)]


def _summary(row: dict[str, Any], column: str) -> dict[str, float | int] | None:
    """The five statistics of ``column`` from a row of ``_summary_exprs`` results."""
    if row[f"{column}:min"] is None:
        return None
    return {
        "min": int(row[f"{column}:min"]),
        "median": float(row[f"{column}:median"]),
        "mean": round(row[f"{column}:mean"], 1),
        "p95": int(row[f"{column}:p95"]),
        "max": int(row[f"{column}:max"]),
    }


def summarize(values: Sequence[int]) -> dict[str, float | int] | None:
    """min / median / mean / p95 / max of counts (None when empty); p95 is the value at the
    nearest rank at or above 95%.

    >>> summarize([5, 1, 3])
    {'min': 1, 'median': 3.0, 'mean': 3.0, 'p95': 5, 'max': 5}
    """
    if not len(values):
        return None
    import polars as pl

    frame = pl.DataFrame({"v": list(values)}, schema={"v": pl.Int64})
    return _summary(frame.select(_summary_exprs("v")).row(0, named=True), "v")


def summarize_by(frame: pl.DataFrame, key: str, columns: Iterable[str], count: str) -> dict[str, dict[str, Any]]:
    """For each value of ``key`` (most rows first): its row count under ``count`` and the
    statistics of each of ``columns``."""
    import polars as pl

    columns = tuple(columns)
    exprs = [e for c in columns for e in _summary_exprs(c)]
    grouped = frame.group_by(key).agg(pl.len().alias(":count"), *exprs)
    out: dict[str, dict[str, Any]] = {}
    for row in grouped.sort([":count", key], descending=[True, False]).iter_rows(named=True):
        out[row[key]] = {count: row[":count"], **{c: _summary(row, c) for c in columns}}
    return out


class Columns:
    """Rows gathered column by column in lists, turned into a polars frame every
    ``FRAME_BATCH`` rows (``lists`` keep their identity, so callers may hold them)."""

    def __init__(self, **dtypes: str) -> None:
        self.dtypes = dtypes
        self.lists: tuple[list[Any], ...] = tuple([] for _ in dtypes)
        self.frames: list[pl.DataFrame] = []

    def full(self) -> bool:
        return len(self.lists[0]) >= FRAME_BATCH

    def flush(self) -> None:
        if not self.lists[0]:
            return
        import polars as pl

        schema = {name: getattr(pl, dtype) for name, dtype in self.dtypes.items()}
        self.frames.append(pl.DataFrame(dict(zip(self.dtypes, self.lists, strict=True)), schema=schema))
        for values in self.lists:
            values.clear()

    def frame(self) -> pl.DataFrame | None:
        """Every row gathered so far as one frame (None when there is none)."""
        self.flush()
        if not self.frames:
            return None
        import polars as pl

        return pl.concat(self.frames) if len(self.frames) > 1 else self.frames[0]


@dataclass
class InspectReport:
    """What ``curate inspect`` shows (``to_dict`` is its ``--json`` output)."""

    input: str
    format: str | None
    detection: Detection
    read: int = 0
    records: int = 0
    rejected: int = 0  # rows that did not read as records: read = records + rejected
    target_rejected: int = 0  # records the target format cannot hold
    kinds: dict[str, int] = field(default_factory=dict)
    text_records: int = 0
    roles: dict[str, int] = field(default_factory=dict)
    turns: dict[str, float | int] | None = None
    chars: dict[str, float | int] | None = None
    tokens: dict[str, float | int] | None = None
    by_kind: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_role: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokenizer: str = "estimate"
    tools: dict[str, Any] = field(default_factory=dict)
    languages: dict[str, int] = field(default_factory=dict)
    language_sampled: int = 0
    rejects: dict[str, int] = field(default_factory=dict)
    reject_examples: list[dict[str, Any]] = field(default_factory=list)
    target: str | None = None

    @property
    def would_convert(self) -> int | None:
        """Rows a conversion to the target would write (None without a target)."""
        return None if self.target is None else self.records - self.target_rejected

    @property
    def would_reject(self) -> int | None:
        """Rows a conversion to the target would reject: read = would_convert + would_reject."""
        return None if self.target is None else self.rejected + self.target_rejected

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
            "by_kind": self.by_kind,
            "by_role": self.by_role,
            "tokenizer": self.tokenizer,
            "tools": self.tools,
            "languages": self.languages,
            "language_sampled": self.language_sampled,
            "target": self.target,
            "target_rejected": self.target_rejected,
            "would_convert": self.would_convert,
            "would_reject": self.would_reject,
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
    """Running statistics over records: counters, the language sample, and per-record and
    per-message columns (kind/role, characters, tokens) for polars to summarise."""

    def __init__(self, count_tokens: Callable[[str], int], language_sample: int) -> None:
        self.count_tokens = count_tokens
        self.tool_names: Counter[str] = Counter()
        self.defined: Counter[str] = Counter()
        self.with_tools = self.with_calls = self.text = 0
        self.records = Columns(kind="String", turns="Int64", chars="Int64", tokens="Int64")
        self.messages = Columns(role="String", chars="Int64", tokens="Int64")
        self.sample: list[str] = []
        self.sample_size = language_sample
        self.seen = 0
        self.rng = random.Random(0)

    def _turns(self, messages: Sequence[Message]) -> tuple[int, int, bool]:
        """Characters and tokens of ``messages`` joined by newlines, and whether they call a
        tool; each message becomes a row of ``self.messages``."""
        roles, chars, tokens = self.messages.lists
        n_chars = n_tokens = 0
        calls = False
        for m in messages:
            text = _message_text(m)
            size, count = len(text), self.count_tokens(text)
            roles.append(m.role)
            chars.append(size)
            tokens.append(count)
            n_chars += size
            n_tokens += count
            for call in m.tool_calls or ():
                calls = True
                self.tool_names[call.function.name] += 1
        return n_chars + max(0, len(messages) - 1), n_tokens, calls

    def add(self, record: Record) -> None:
        self.text += record.text
        prompt = self._turns(record.messages)
        chosen = self._turns(record.chosen) if record.chosen else _NONE
        rejected = self._turns(record.rejected) if record.rejected else _NONE
        self.with_calls += prompt[2] or chosen[2] or rejected[2]
        if record.tools:
            self.with_tools += 1
            for tool in record.tools:
                fn = tool.get("function", tool) if isinstance(tool, dict) else None
                if isinstance(fn, dict) and isinstance(fn.get("name"), str):
                    self.defined[fn["name"]] += 1
        turns, chars, tokens = len(record.messages), prompt[0], prompt[1]
        if record.kind == "preference":  # as training_text: the prompt and the longer answer
            answer = rejected if rejected[0] > chosen[0] else chosen
            turns, chars, tokens = turns + len(record.chosen or ()), chars + 1 + answer[0], tokens + answer[1]
        kind_col, turns_col, chars_col, tokens_col = self.records.lists
        kind_col.append(record.kind)
        turns_col.append(turns)
        chars_col.append(chars)
        tokens_col.append(tokens)
        if self.records.full():
            self.records.flush()
        if self.messages.full():
            self.messages.flush()
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
    """Read a file and gather its statistics. With ``to``, records the target format cannot
    hold are counted as ``target_rejected`` (and their reasons among ``rejects``), as
    ``curate convert --to`` would reject them.

    ``read = records + rejected`` always holds for the read itself; with ``to``,
    ``read = would_convert + would_reject`` holds for the conversion.
    """
    target = get_format(to) if to else None
    counter = token_counter(tokenizer)
    source = RecordSource(path, fmt)
    report = InspectReport(
        input=source.name,  # as given; ``-`` (standard input) is <stdin>
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
                report.target_rejected += 1
        elif error is not None:
            report.rejected += 1
        if error is not None:
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
    records, messages = stats.records.frame(), stats.messages.frame()
    if records is not None:
        overall = records.select(e for c in ("turns", "chars", "tokens") for e in _summary_exprs(c))
        row = overall.row(0, named=True)
        report.turns, report.chars, report.tokens = (_summary(row, c) for c in ("turns", "chars", "tokens"))
        report.by_kind = summarize_by(records, "kind", ("turns", "chars", "tokens"), "records")
        report.kinds = {kind: v["records"] for kind, v in report.by_kind.items()}
    if messages is not None:
        report.by_role = summarize_by(messages, "role", ("chars", "tokens"), "messages")
        report.roles = {role: v["messages"] for role, v in report.by_role.items()}
    report.text_records = stats.text
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
