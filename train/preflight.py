"""The preflight: every reason not to train, and exactly what training will see, before it starts.

It refuses (with a reason code and one sentence each) when a split file does not match its
manifest hash, when the synthetic share is over the limit, when the base model is of the
family that generated the synthetic data (unless allowed), when the chat template cannot
mark assistant tokens, or when a sample has no token to learn from. It renders a few samples
with the chat template and counts, per split, how many samples will be truncated or dropped
and why. The SFT token ids it computes are the ones the trainer trains on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from train.data import Export, FileCheck
from train.encode import IGNORE, encode_sft, measure_pair
from train.family import generator_families, unrecorded_generator_records

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
            if isinstance(v, int | float) and float(v) > float(limit)
        }
        if over:
            worst = max(over, key=lambda k: over[k])
            report.refuse(
                "synthetic_share",
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


def training_template(tokenizer: Any, assistant_only: bool) -> tuple[str | None, str]:
    """The chat template override to use (None: the tokenizer's own) and how it was chosen."""
    from trl.chat_template_utils import get_training_chat_template, has_generation_markers

    own = tokenizer.chat_template
    if own is None:
        return None, "none"
    if not assistant_only or has_generation_markers(own):
        return None, "the model's own"
    return get_training_chat_template(tokenizer), "TRL's training variant of the model's template"


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
    template: str | None,
    cfg: Any,
    tick: Callable[[int, int], None] | None = None,
) -> Any:
    """Tokenise one SFT split, count what truncation does to it, return the trainable rows.

    ``tick(done, total)`` is called every few hundred rows (a progress bar).
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
    for _, rid, row in _rows(ds, tick):
        try:
            enc = encode_sft(row, tokenizer, template, assistant_only)
        except Exception as exc:  # a template may raise on any row; each is reported
            _template_failed(report, stats, f"{name} sample", rid, exc)
            continue
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
            stats.truncated += 1
            _note_reason(stats, "truncated_to_max_length", rid)
        stats.loss_tokens += min(pair.chosen, limit - pair.prompt) + min(
            pair.rejected, limit - pair.prompt
        )
        keep.append(index)
    stats.kept = len(keep)
    stats.mean_tokens = round(total / max(stats.rows, 1), 1)
    report.splits[name] = stats
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
