"""The preflight: every reason not to train, and exactly what training will see, before it starts.

It refuses (with a reason code and one sentence each) when a split file does not match its
manifest hash, when the synthetic share is over the limit, when the base model is of the
family that generated the synthetic data (unless allowed), when the chat template does not
render a conversation's prefixes as its start (so its assistant turns cannot be found), when
the labels of a rendered sample do not decode to its assistant turns, or when a sample has no
token to learn from. It renders a few samples
with the chat template and counts, per split, how many samples will be truncated or dropped
and why. The SFT token ids it computes are the ones the trainer trains on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from curate.synthetic_share import PREFLIGHT_REASON, share_over_limit
from train.data import Export, FileCheck
from train.encode import IGNORE, chat_turns, encode_sft, measure_pair
from train.family import generator_families, unrecorded_generator_records
from train.turns import ChatFormat, TemplateMismatch, chat_format, mask_problem

EXAMPLE_IDS = 5  # ids listed per reason


@dataclass
class SplitStats:
    """What training will make of one split: each row is kept whole, kept truncated, or dropped."""

    rows: int = 0
    kept: int = 0
    truncated: int = 0
    dropped: int = 0
    max_tokens: int = 0
    mean_tokens: float = 0.0
    loss_tokens: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class PreflightReport:
    """The preflight's findings; saved as preflight.json in the run directory."""

    ok: bool = True
    refusals: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    method: str = "sft"
    export: dict[str, Any] = field(default_factory=dict)
    files: list[dict[str, Any]] = field(default_factory=list)
    model: dict[str, Any] = field(default_factory=dict)
    plan: dict[str, Any] = field(default_factory=dict)
    chat_template: str = ""
    end_of_turn: str = ""
    max_length: int = 0
    samples: list[dict[str, Any]] = field(default_factory=list)
    splits: dict[str, SplitStats] = field(default_factory=dict)
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def refuse(self, code: str, message: str) -> None:
        self.ok = False
        self.refusals.append({"code": code, "message": message})

    def codes(self) -> list[str]:
        return [r["code"] for r in self.refusals]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_export(
    report: PreflightReport,
    export: Export,
    checks: list[FileCheck],
    cfg: Any,
    base_family: str | None,
) -> None:
    """Guards that need only the manifest: file hashes, synthetic share, model family."""
    m = export.manifest
    limit = (
        cfg.max_synthetic_share
        if cfg.max_synthetic_share is not None
        else m.get("max_synthetic_share")
    )
    gens = generator_families(m)
    report.export = {
        "dir": str(export.root),
        "kind": export.kind,
        "manifest_sha256": export.manifest_sha256,
        "counts": m.get("counts", {}),
        "synthetic_share": m.get("synthetic_share", {}),
        "max_synthetic_share": limit,
        "generators": m.get("generators", []),
        "generator_families": gens,
    }
    report.files = [{**asdict(c), "ok": c.ok} for c in checks]
    for c in checks:
        if not c.exists:
            report.refuse(
                "missing_file",
                f"The {c.split} split file {c.path} named in the manifest is missing.",
            )
        elif c.expected_sha256 is None:
            report.refuse(
                "hash_mismatch",
                f"The manifest gives no sha256 for {c.path}, so it cannot be verified.",
            )
        elif not c.ok:
            report.refuse(
                "hash_mismatch",
                f"{c.path} does not match its manifest hash (expected {c.expected_sha256[:12]}..., found "
                f"{(c.actual_sha256 or '')[:12]}...): the file changed after export; export again.",
            )
    shares = m.get("synthetic_share") or {}
    if limit is not None and isinstance(shares, dict):
        over = {
            k: float(v)
            for k, v in shares.items()
            if isinstance(v, int | float) and share_over_limit(float(v), float(limit))
        }
        if over:
            worst = max(over, key=lambda k: over[k])
            report.refuse(
                PREFLIGHT_REASON,
                f"The synthetic share of {worst} is {over[worst]:.0%}, above the limit of {float(limit):.0%}; "
                "add real data or lower the synthetic share at export.",
            )
    report.model["family"] = base_family
    unrecorded = unrecorded_generator_records(m)
    if unrecorded:
        report.notes.append(
            f"{unrecorded} synthetic records have no recorded generator model (imported as "
            "synthetic), so the same-family check cannot cover them."
        )
    if base_family and base_family in gens:
        models = ", ".join(gens[base_family])
        if cfg.allow_same_family:
            report.notes.append(
                f"The base model is of the {base_family} family, like the generator ({models}); allowed by setting."
            )
        else:
            report.refuse(
                "same_family",
                f"The base model is of the {base_family} family, the family that generated the synthetic data "
                f"({models}); a model trained on its own family's output learns its quirks. Pass "
                "--allow-same-family to train anyway.",
            )


def choose_chat_format(report: PreflightReport, tokenizer: Any, cfg: Any) -> ChatFormat:
    """How conversations will be rendered and masked (see :func:`train.turns.chat_format`)."""
    fmt = chat_format(tokenizer, cfg.assistant_only_loss)
    report.chat_template = fmt.how
    report.end_of_turn = fmt.end_of_turn.text
    if cfg.assistant_only_loss and not fmt.end_of_turn.text:
        report.notes.append(
            "The chat template ends an assistant turn with no special token, so generation can "
            "only stop on the end-of-sequence token."
        )
    return fmt


def _template_name(report: PreflightReport) -> str:
    source = report.model.get("source") or "the model"
    family = report.model.get("family")
    return f"{source} ({family} family)" if family else str(source)


def _note_reason(stats: SplitStats, reason: str, row_id: str) -> None:
    stats.reasons[reason] = stats.reasons.get(reason, 0) + 1
    ids = stats.examples.setdefault(reason, [])
    if len(ids) < EXAMPLE_IDS:
        ids.append(row_id)


def _drop(stats: SplitStats, reason: str, row_id: str) -> None:
    _note_reason(stats, reason, row_id)
    stats.dropped += 1


def _template_failed(
    report: PreflightReport, stats: SplitStats, where: str, row_id: str, exc: Exception
) -> None:
    """A row the chat template raised on: dropped, and the first such row refuses the run."""
    if isinstance(exc, TemplateMismatch):
        _drop(stats, "inconsistent_chat_template", row_id)
        if "inconsistent_chat_template" not in report.codes():
            report.refuse(
                "inconsistent_chat_template",
                f"The chat template of {_template_name(report)} cannot show where the assistant "
                f"speaks in {where} {row_id}, {exc}; remove what the template renders only at the "
                "end of a conversation (Mistral's moves the system message into the last user "
                "turn), or set assistant_only_loss = false to learn whole conversations, system "
                "and user turns included.",
            )
        return
    _drop(stats, "template_error", row_id)
    if "template_error" not in report.codes():
        report.refuse("template_error", f"The chat template fails on {where} {row_id}: {exc}")


TICK_EVERY = 256  # rows between progress updates


def _rows(ds: Any, tick: Callable[[int, int], None] | None) -> Iterator[tuple[int, str, Any]]:
    """(index, row id, row) over a split, calling ``tick`` every few hundred rows."""
    for index, row in enumerate(ds):
        if tick is not None and index % TICK_EVERY == 0:
            tick(index, len(ds))
        yield index, str(row.get("id") or f"row {index + 1}"), row


def sft_split(
    report: PreflightReport,
    name: str,
    ds: Any,
    tokenizer: Any,
    fmt: ChatFormat | None,
    cfg: Any,
    tick: Callable[[int, int], None] | None = None,
) -> Any:
    """Tokenise one SFT split, count what truncation does to it, return the trainable rows.

    The labels of the first conversation, and of the first that calls tools, are checked
    against their assistant turns (they must decode to each turn's content, calls and
    end-of-turn token). ``tick(done, total)`` is called every few
    hundred rows (a progress bar).
    """
    from datasets import Dataset

    assistant_only = cfg.assistant_only_loss
    limit = cfg.max_length
    cut = cfg.packing_strategy != "wrapped" or not cfg.packing  # wrapped packing loses no tokens
    stats = SplitStats(rows=len(ds))
    keep_rows: list[str] = []
    keep_ids: list[list[int]] = []
    keep_labels: list[list[int]] = []
    total = 0
    checked: set[str] = set()  # the first conversation, and the first with tool calls
    for _, rid, row in _rows(ds, tick):
        try:
            enc = encode_sft(row, tokenizer, fmt, assistant_only)
        except Exception as exc:  # a template may raise on any row; each is reported
            _template_failed(report, stats, f"{name} sample", rid, exc)
            continue
        kind = "tools" if _calls_tools(row) else "chat"
        check = assistant_only and kind not in checked and enc.loss_tokens
        if check and _check_mask(report, name, rid, row, enc, tokenizer, fmt):
            checked.add(kind)
        n = len(enc.input_ids)
        total += n
        stats.max_tokens = max(stats.max_tokens, n)
        if enc.loss_tokens == 0:
            _drop(stats, "empty_loss_mask", rid)
            continue
        if cut and n > limit:
            if all(label == IGNORE for label in enc.labels[:limit]):
                _drop(stats, "no_loss_tokens_within_max_length", rid)
                continue
            stats.truncated += 1
            _note_reason(stats, "truncated_to_max_length", rid)
        stats.loss_tokens += sum(
            1 for label in (enc.labels[:limit] if cut else enc.labels) if label != IGNORE
        )
        keep_rows.append(rid)
        keep_ids.append(enc.input_ids)
        keep_labels.append(enc.labels)
    stats.kept = len(keep_ids)
    stats.mean_tokens = round(total / max(stats.rows, 1), 1)
    report.splits[name] = stats
    if stats.reasons.get("empty_loss_mask"):
        report.refuse(
            "empty_loss_mask",
            f"{stats.reasons['empty_loss_mask']} {name} sample(s) have no token to learn from (an empty "
            f"loss mask), e.g. {', '.join(stats.examples['empty_loss_mask'])}; fix them at export or set "
            "assistant_only_loss = false.",
        )
    return Dataset.from_dict({"id": keep_rows, "input_ids": keep_ids, "labels": keep_labels})


def _check_mask(
    report: PreflightReport,
    name: str,
    rid: str,
    row: dict[str, Any],
    enc: Any,
    tokenizer: Any,
    fmt: ChatFormat | None,
) -> bool:
    """Refuse when a conversation's labels do not decode to its assistant turns; True once checked."""
    chat = chat_turns(row)
    if chat is None:
        return False
    eot = fmt.end_of_turn.text if fmt else ""
    template = fmt.template if fmt else None
    problem = mask_problem(tokenizer, chat[0], enc.input_ids, enc.labels, eot, chat[1], template)
    if problem and "assistant_mask_mismatch" not in report.codes():
        how = fmt.how if fmt else "the model's own"
        report.refuse(
            "assistant_mask_mismatch",
            f"The loss mask of {name} sample {rid} does not match its assistant turns ({problem}) "
            f"with the chat template of {_template_name(report)} ({how}), so training would teach "
            "something other than the data's answers; use a chat template that renders each "
            "assistant turn whole and ends it with a special token.",
        )
    return True


def _calls_tools(row: dict[str, Any]) -> bool:
    chat = chat_turns(row)
    return chat is not None and any(m.get("tool_calls") for m in chat[0])


def dpo_split(
    report: PreflightReport,
    name: str,
    ds: Any,
    tokenizer: Any,
    cfg: Any,
    tick: Callable[[int, int], None] | None = None,
) -> Any:
    """Measure one preference split as the DPO trainer will cut it; return the trainable rows."""
    limit = cfg.max_length
    stats = SplitStats(rows=len(ds))
    keep: list[int] = []
    total = 0
    for index, rid, row in _rows(ds, tick):
        try:
            pair = measure_pair(row, tokenizer)
        except Exception as exc:  # a template may raise on any row; each is reported
            _template_failed(report, stats, f"{name} pair", rid, exc)
            continue
        longest = pair.prompt + max(pair.chosen, pair.rejected)
        total += longest
        stats.max_tokens = max(stats.max_tokens, longest)
        if min(pair.chosen, pair.rejected) == 0:
            _drop(stats, "empty_loss_mask", rid)
            continue
        if pair.prompt >= limit:
            _drop(stats, "prompt_fills_max_length", rid)
            continue
        if longest > limit:
            # a cut answer teaches preferring half an answer (its end and its stop token
            # are gone): the pair is dropped and counted, never trained on cut
            _drop(stats, "answer_cut_by_max_length", rid)
            continue
        stats.loss_tokens += pair.chosen + pair.rejected
        keep.append(index)
    stats.kept = len(keep)
    stats.mean_tokens = round(total / max(stats.rows, 1), 1)
    report.splits[name] = stats
    if stats.reasons.get("answer_cut_by_max_length"):
        report.notes.append(
            f"{stats.reasons['answer_cut_by_max_length']} {name} pair(s) dropped "
            "(answer_cut_by_max_length): prompt and answer are longer than max_length "
            f"({limit}), so the chosen or rejected answer would be cut; raise max_length to "
            "keep them."
        )
    if stats.reasons.get("empty_loss_mask"):
        report.refuse(
            "empty_loss_mask",
            f"{stats.reasons['empty_loss_mask']} {name} pair(s) have an empty chosen or rejected answer, "
            f"e.g. {', '.join(stats.examples['empty_loss_mask'])}.",
        )
    return ds.select(keep) if len(keep) < len(ds) else ds


def render_samples(report: PreflightReport, prepared: Any, tokenizer: Any, count: int) -> None:
    """A few samples as the model will see them, with the part that carries the loss."""
    for index in range(min(count, len(prepared))):
        if report.method == "sft":
            ids, labels = prepared[index]["input_ids"], prepared[index]["labels"]
            trained, segment = [], []
            for tok, lab in zip(ids, labels, strict=True):
                if lab != IGNORE:
                    segment.append(tok)
                elif segment:
                    trained.append(tokenizer.decode(segment))
                    segment = []
            if segment:
                trained.append(tokenizer.decode(segment))
            report.samples.append(
                {
                    "id": prepared[index]["id"],
                    "rendered": tokenizer.decode(ids),
                    "trained": trained,
                    "tokens": len(ids),
                }
            )
        else:
            row = prepared[index]
            report.samples.append(
                {
                    "id": row.get("id"),
                    "prompt": _render(tokenizer, row["prompt"], generation=True),
                    "chosen": _render(tokenizer, row["chosen"]),
                    "rejected": _render(tokenizer, row["rejected"]),
                }
            )


def _render(tokenizer: Any, value: Any, generation: bool = False) -> str:
    if isinstance(value, str):
        return value
    if generation:
        return str(tokenizer.apply_chat_template(value, tokenize=False, add_generation_prompt=True))
    return "\n".join(str(m.get("content") or "") for m in value)


def check_no_rows(report: PreflightReport) -> None:
    """Refuse when nothing is left to train on."""
    train = report.splits.get("train")
    if train is not None and train.kept == 0 and report.ok:
        report.refuse("no_trainable_rows", "No training sample is left after the checks above.")
