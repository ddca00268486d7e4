"""Train after the preflight and write the run's outputs (weights, tokenizer, report, manifest)."""

from __future__ import annotations

import logging
import os
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from curate.errors import CurateError
from train.files import write_json_atomic
from train.ledger import BatchLedger
from train.provenance import run_manifest
from train.report import build_metrics, plot_losses
from train.runner import (
    LEDGER,
    METRICS,
    RUN_MANIFEST,
    Prepared,
    base_model,
    is_main_process,
    peft_config_for,
    preflight,
    training_kwargs,
)

UNSAFE_SUFFIXES = {".bin", ".pt", ".pth", ".pkl", ".ckpt"}


@dataclass
class RunResult:
    """Where a finished run put its outputs, and what it measured."""

    run_dir: Path
    method: str
    prepared: Prepared
    metrics: dict[str, Any]
    manifest: dict[str, Any]
    plot_written: bool


def quiet_libraries() -> None:
    """Keep library chatter (progress bars, telemetry, info logs) out of the run's output."""
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    logging.getLogger("bitsandbytes").setLevel(logging.ERROR)
    import datasets
    import transformers

    datasets.disable_progress_bars()
    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    warnings.filterwarnings("ignore", category=FutureWarning, module=r"(trl|transformers|peft)\b")
    warnings.filterwarnings(
        "ignore", category=UserWarning, module=r"(torch|trl|transformers|peft)\b"
    )


def run_training(cfg: Any, console: Any = None) -> RunResult:
    """Preflight, train and report; raises PreflightRefused or another CurateError on problems."""
    quiet_libraries()
    prep = preflight(cfg)
    return fit(cfg, prep, console)


def checkpoint_step(path: str | None) -> int:
    return int(Path(path).name.split("-", 1)[1]) if path else 0


def fit(
    cfg: Any, prep: Prepared, console: Any = None, callbacks: list[Any] | None = None
) -> RunResult:
    """Train on the prepared data and write every output of the run (``callbacks`` are added)."""
    import torch
    from rich.console import Console
    from transformers import EarlyStoppingCallback, PrinterCallback

    from train.callbacks import LedgerCallback, RichProgressCallback
    from train.precision import (
        describe_counts,
        fp32_masters,
        keep_dtypes_on_resume,
        parameter_counts,
    )

    console = console or Console(stderr=True)
    if prep.report.model.get("smoke_run") and prep.plan.device == "cpu":
        torch.set_num_threads(
            1
        )  # a hidden size of 32 gains nothing from threads, and loses under load
    kwargs, epochs = training_kwargs(cfg, prep)
    model = base_model(cfg, prep)
    ledger = BatchLedger(prep.run_dir / LEDGER)
    if is_main_process():
        ledger.truncate_after(checkpoint_step(prep.resume_from))
    callbacks = [
        RichProgressCallback(console, perplexity=prep.method == "sft"),
        LedgerCallback(ledger),
        *(callbacks or []),
    ]
    stopper = None
    if "validation" in prep.datasets and cfg.early_stopping_patience:
        stopper = EarlyStoppingCallback(early_stopping_patience=cfg.early_stopping_patience)
        callbacks.append(stopper)
    if prep.method == "sft":
        from train.sft import build_sft_trainer as build
    else:
        from train.dpo import build_dpo_trainer as build
    trainer = build(
        model,
        prep.tokenizer,
        cfg,
        kwargs,
        prep.datasets["train"],
        prep.datasets.get("validation"),
        peft_config_for(cfg, prep.plan),
        callbacks,
        ledger,
    )
    trainer.remove_callback(PrinterCallback)  # the rich callback shows progress and evaluations
    if getattr(prep.plan, "fp16", False) and not prep.plan.bf16:
        fp32_masters(trainer.model)
    keep_dtypes_on_resume(trainer)
    counts = parameter_counts(trainer.model)
    if is_main_process():
        console.print(describe_counts(counts), highlight=False)
    try:
        trainer.train(resume_from_checkpoint=prep.resume_from)
    except torch.OutOfMemoryError:
        raise CurateError(
            "Out of GPU memory during training.",
            "Lower per_device_batch_size or max_length, or use --adapter qlora or auto.",
        ) from None
    early = bool(stopper and stopper.early_stopping_patience_counter >= cfg.early_stopping_patience)
    state = {
        "global_step": trainer.state.global_step,
        "epoch": trainer.state.epoch,
        "early_stopped": early,
    }
    metrics = build_metrics(trainer.state.log_history, prep.method, state)
    metrics["final"]["epochs_planned"] = epochs
    metrics["final"].update(counts)
    if not trainer.is_world_process_zero():
        return RunResult(prep.run_dir, prep.method, prep, metrics, {}, False)
    weights = save_weights(trainer, prep)
    write_json_atomic(prep.run_dir / METRICS, metrics)
    plotted = plot_losses(metrics, prep.run_dir / "loss.png")
    manifest = run_manifest(
        run_dir=prep.run_dir,
        cfg=cfg,
        prep=prep,
        export_manifest=prep.export.manifest,
        manifest_sha256=prep.export.manifest_sha256,
        weights_dir=weights,
        metrics=metrics,
        resumed_from=prep.resume_from,
    )
    write_json_atomic(prep.run_dir / RUN_MANIFEST, manifest)
    return RunResult(prep.run_dir, prep.method, prep, metrics, manifest, plotted)


def save_weights(trainer: Any, prep: Prepared) -> str:
    """Save the adapter (or the full model) as safetensors, its generation_config.json (stopping
    on the chat template's end-of-turn token) and the tokenizer; returns the folder name."""
    from peft import PeftModel

    model = trainer.accelerator.unwrap_model(trainer.model)
    peft = isinstance(model, PeftModel)
    name = "adapter" if peft else "model"
    target = prep.run_dir / name
    staging = prep.run_dir / f".{name}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    # peft takes safe_serialization; transformers 5 writes only safetensors
    model.save_pretrained(str(staging), **({"safe_serialization": True} if peft else {}))
    for path in staging.iterdir():
        if path.suffix in UNSAFE_SUFFIXES:
            path.unlink()
    from train.turns import write_generation_config

    write_generation_config(staging, model, prep.tokenizer)  # stop at the end of a turn
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    prep.tokenizer.save_pretrained(str(prep.run_dir / "tokenizer"))
    return name
