"""The preflight of an OpenAI fine-tuning run: what would be sent, whether OpenAI would take it, the cost.

Before anything is uploaded it checks, for a ``curate export --format openai-jsonl`` folder:
the manifest's sha256 of every split file (``hash_mismatch``); every row against OpenAI's chat
fine-tuning format, the rules of OpenAI's cookbook data check (``curate.formats.openai_chat``'s
reader: messages list, roles, keys, content types, an assistant message) plus the tool shape
(``curate.formats.openai_tools.tool_shape_problems``) and ``weight`` 0/1 on assistant messages
only (``weight_not_on_assistant``); each example's tokens with the real o200k tokenizer (OpenAI's
counting: 3 per message, 1 per name, 3 to prime the reply) against the model's per-example
limit (``example_over_context``); at least 10 training examples (``too_few_examples``); and the
estimated cost, billed tokens x epochs x the price per million trained tokens, against
``--max-cost`` (``over_max_cost``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from curate.checks.rubric import TargetSpec
from curate.errors import CurateError, RowError
from curate.formats.openai_chat import FORMAT
from curate.formats.openai_tools import tool_shape_problems
from curate.providers.pricing import dollars
from curate.tokens import TokenCounter
from train.data import Export, check_files, open_export, read_rows
from train.openai_table import EPOCHS_SOURCE, FineTuneTable, default_epochs

MIN_EXAMPLES = 10  # OpenAI refuses a training file with fewer examples
UPLOADED_SPLITS = ("train", "validation")
EXAMPLES_SHOWN = 5


class OpenAIPreflightRefused(CurateError):
    """The preflight found a reason not to send the job; the report says which and why."""

    exit_code = 1

    def __init__(self, message: str, report: OpenAIPreflight | None = None) -> None:
        super().__init__(message)
        self.report = report


@dataclass
class SplitCheck:
    """One uploaded split: rows, tokens and the rows OpenAI would refuse, by reason code."""

    split: str
    path: str
    sha256: str | None
    rows: int = 0
    tokens: int = 0
    billed_tokens: int = 0
    max_tokens: int = 0
    problems: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def note(self, code: str, line: int, sentence: str) -> None:
        self.problems[code] = self.problems.get(code, 0) + 1
        shown = self.examples.setdefault(code, [])
        if len(shown) < EXAMPLES_SHOWN:
            shown.append(f"line {line}: {sentence}")


@dataclass
class OpenAIPreflight:
    """Everything the run would send and what it would cost; ``refusals`` empty means go."""

    export_dir: str
    manifest_sha256: str
    model: str
    splits: dict[str, SplitCheck]
    context_limit: int | None
    price_per_million: float | None
    epochs: int
    epochs_note: str
    estimated_trained_tokens: int
    estimated_cost: float | None
    max_cost: float | None
    table_as_of: str | None
    table_source: str | None
    refusals: list[dict[str, str]] = field(default_factory=list)

    def refuse(self, code: str, message: str) -> None:
        self.refusals.append({"code": code, "message": message})

    @property
    def ok(self) -> bool:
        return not self.refusals

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["ok"] = self.ok
        return out


def row_problems(row: Any) -> list[tuple[str, str]]:
    """``(reason code, sentence)`` for each reason OpenAI's chat fine-tuning would refuse ``row``.

    >>> row_problems({"messages": [{"role": "user", "content": "hi"},
    ...                            {"role": "assistant", "content": "hello", "weight": 1}]})
    []
    >>> row_problems({"messages": [{"role": "user", "content": "hi", "weight": 0},
    ...                            {"role": "assistant", "content": "hello"}]})[0][0]
    'weight_not_on_assistant'
    >>> row_problems({"messages": [{"role": "user", "content": "hi"}]})[0][0]
    'example_missing_assistant_message'
    """
    try:
        FORMAT.parse(row)
    except RowError as exc:
        return [(exc.code, exc.message)]
    out = [("invalid_tool_call", p) for p in tool_shape_problems(row)]
    for i, m in enumerate(row["messages"]):
        if "weight" in m and m["role"] != "assistant":
            out.append(
                (
                    "weight_not_on_assistant",
                    f"Message {i} ({m['role']}) has a weight; OpenAI takes weight on assistant "
                    "messages only.",
                )
            )
    return out


def run_preflight(
    export_dir: str | Path,
    model: str,
    *,
    n_epochs: int | None = None,
    max_cost: float | None = None,
    table: FineTuneTable | None = None,
) -> OpenAIPreflight:
    """Check an openai-jsonl export for ``model`` (nothing is sent); see the module docstring."""
    export = open_export(export_dir)
    table = table or FineTuneTable.load()
    limits = table.lookup(model)
    context = limits.context if limits else None
    counter = TokenCounter(
        TargetSpec(encoding="o200k_base", max_tokens=context or 1, template="openai"), "openai"
    )
    splits = _check_splits(export, counter, context)
    train = splits.get("train")
    n_train = train.rows if train else 0
    epochs = n_epochs or default_epochs(n_train)
    note = (
        "as given (--n-epochs)"
        if n_epochs
        else f"the number OpenAI picks for {n_train} examples when n_epochs is "
        f"auto, estimated as in {EPOCHS_SOURCE}"
    )
    trained = (train.billed_tokens if train else 0) * epochs
    price = limits.training if limits else None
    report = OpenAIPreflight(
        export_dir=str(export.root),
        manifest_sha256=export.manifest_sha256,
        model=model,
        splits=splits,
        context_limit=context,
        price_per_million=price,
        epochs=epochs,
        epochs_note=note,
        estimated_trained_tokens=trained,
        estimated_cost=None if price is None else trained * price / 1_000_000,
        max_cost=max_cost,
        table_as_of=table.as_of,
        table_source=table.source,
    )
    _judge(report, export)
    return report


def _check_splits(
    export: Export, counter: TokenCounter, context: int | None
) -> dict[str, SplitCheck]:
    hashes = {c.split: c for c in check_files(export)}
    out: dict[str, SplitCheck] = {}
    for split in export.splits:
        if split not in UPLOADED_SPLITS:
            continue
        fc = hashes[split]
        check = SplitCheck(split, fc.path, fc.actual_sha256)
        out[split] = check
        if not fc.ok:
            continue
        for line, row in enumerate(read_rows(export.path_of(split)), start=1):
            check.rows += 1
            problems = row_problems(row)
            for code, sentence in problems:
                check.note(code, line, sentence)
            if problems:
                continue
            record = FORMAT.parse(row)
            n = counter.count_messages(record.messages, record.tools)
            check.tokens += n
            check.max_tokens = max(check.max_tokens, n)
            check.billed_tokens += min(n, context) if context else n
            if context and n > context:
                check.note(
                    "example_over_context",
                    line,
                    f"{n:,} tokens; the model takes {context:,} per example and would cut "
                    "the rest, the answer first.",
                )
    return out


def _judge(report: OpenAIPreflight, export: Export) -> None:
    m = export.manifest
    if m.get("format") != "openai-jsonl" or m.get("kind", "sft") != "sft":
        report.refuse(
            "not_openai_jsonl",
            f"{export.root} holds a {m.get('format')} {m.get('kind', 'sft')} export; OpenAI "
            "chat fine-tuning takes an openai-jsonl SFT export "
            "(curate export --format openai-jsonl).",
        )
    for fc in check_files(export):
        if fc.split in UPLOADED_SPLITS and not fc.ok:
            what = "is missing" if not fc.exists else "does not match the manifest's sha256"
            report.refuse(
                "hash_mismatch",
                f"The {fc.split} file {fc.path} {what}; export again instead of editing it.",
            )
    for split in report.splits.values():
        for code, n in split.problems.items():
            first = split.examples[code][0]
            report.refuse(
                code, f"{n} {split.split} example(s) fail OpenAI's format ({code}), {first}"
            )
    train = report.splits.get("train")
    if train is not None and train.rows < MIN_EXAMPLES and "hash_mismatch" not in _codes(report):
        report.refuse(
            "too_few_examples",
            f"The train file has {train.rows} example(s); OpenAI needs at least {MIN_EXAMPLES}.",
        )
    if report.price_per_million is None:
        report.refuse(
            "unknown_model",
            f"No fine-tuning price or example limit is known for '{report.model}'; add it to a "
            "TOML given with --price-table (see curate/providers/finetune_prices.toml).",
        )
    elif report.max_cost is not None and (report.estimated_cost or 0) > report.max_cost:
        report.refuse(
            "over_max_cost",
            f"The estimated cost {dollars(report.estimated_cost or 0)} "
            f"({report.estimated_trained_tokens:,} trained tokens at "
            f"${report.price_per_million:.2f} per million) exceeds --max-cost "
            f"{dollars(report.max_cost)}; nothing was uploaded.",
        )


def _codes(report: OpenAIPreflight) -> list[str]:
    return [r["code"] for r in report.refusals]
