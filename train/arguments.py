"""Trainer arguments shared by SFT and DPO: schedule, precision, evaluation and checkpoints."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

CHECKPOINTS = "checkpoints"
LOG_POINTS = 50  # loss points a run logs by default
EVAL_POINTS = 10  # evaluations and checkpoints a run makes by default
MAX_CHECKPOINT_MINUTES = 30  # longest planned time between checkpoints, when a step is timed


def estimate_total_steps(
    cfg: Any, plan: Any, sequences: int, epochs: float, world_size: int = 1
) -> int:
    """Optimizer steps the run will take (max_steps, else epochs over the sequences)."""
    if cfg.max_steps:
        return int(cfg.max_steps)
    per_step = plan.per_device_batch_size * plan.gradient_accumulation_steps * max(world_size, 1)
    return max(1, math.ceil(epochs * math.ceil(sequences / per_step)))


def checkpoint_interval(
    total_steps: int, every: int | None = None, step_seconds: float | None = None
) -> int:
    """Optimizer steps between evaluations and checkpoints.

    ``every`` (the checkpoint_every setting) wins; else about EVAL_POINTS per run, so a
    one-epoch run is not checkpointed only at its end (a crash at 90% would resume from step
    0) and early stopping has evaluations to compare. With an estimated step time, no more
    than MAX_CHECKPOINT_MINUTES of work lies between two checkpoints.

    >>> checkpoint_interval(625), checkpoint_interval(5), checkpoint_interval(625, every=50)
    (63, 1, 50)
    >>> checkpoint_interval(10_000, step_seconds=4.0)
    450
    """
    if every:
        return int(every)
    interval = max(1, math.ceil(total_steps / EVAL_POINTS))
    if step_seconds and step_seconds > 0:
        interval = min(interval, max(1, int(MAX_CHECKPOINT_MINUTES * 60 // step_seconds)))
    return interval


def evaluations_planned(total_steps: int, interval: int) -> int:
    """Evaluations in a run of ``total_steps``: every ``interval`` steps and one at the end.

    >>> evaluations_planned(100, 10), evaluations_planned(95, 10), evaluations_planned(2, 5)
    (10, 10, 1)
    """
    return max(1, math.ceil(total_steps / max(interval, 1)))


def early_stopping_can_fire(evaluations: int, patience: int | None) -> bool:
    """Early stopping needs a best evaluation and ``patience`` worse ones after it."""
    return bool(patience) and evaluations >= int(patience or 0) + 1


def checkpointing_key() -> str:
    """The trainer argument that turns activation recomputation on.

    transformers 5.2x renamed `gradient_checkpointing` to `activation_checkpointing` (the old
    name warns); earlier 5.x releases know only the old one.
    """
    from dataclasses import fields

    from transformers import TrainingArguments

    names = {f.name for f in fields(TrainingArguments)}
    return (
        "activation_checkpointing"
        if "activation_checkpointing" in names
        else "gradient_checkpointing"
    )


def common_args(
    cfg: Any, plan: Any, run_dir: Path, epochs: float, total_steps: int, has_eval: bool, lr: float
) -> dict[str, Any]:
    """Keyword arguments for SFTConfig / DPOConfig common to both methods.

    Evaluation and checkpoints share one step interval (checkpoint_interval), which
    load_best_model_at_end needs; save_total_limit keeps the newest checkpoints and the
    trainer keeps the best one besides.
    """
    interval = checkpoint_interval(
        total_steps, cfg.checkpoint_every, getattr(plan, "estimated_step_seconds", None)
    )
    logging_steps = cfg.logging_steps or max(1, total_steps // LOG_POINTS)
    kwargs: dict[str, Any] = {
        "output_dir": str(run_dir / CHECKPOINTS),
        "per_device_train_batch_size": plan.per_device_batch_size,
        "per_device_eval_batch_size": plan.per_device_batch_size,
        "gradient_accumulation_steps": plan.gradient_accumulation_steps,
        "learning_rate": lr,
        "lr_scheduler_type": cfg.lr_scheduler,
        "warmup_steps": cfg.warmup if cfg.warmup < 1 else int(cfg.warmup),
        "max_grad_norm": cfg.max_grad_norm,
        "weight_decay": cfg.weight_decay,
        "optim": plan.optim,
        checkpointing_key(): plan.gradient_checkpointing,
        "bf16": plan.bf16,
        "fp16": bool(getattr(plan, "fp16", False)) and not plan.bf16,  # with loss scaling
        "use_cpu": plan.device == "cpu",
        "num_train_epochs": epochs,
        "max_steps": cfg.max_steps or -1,
        "seed": cfg.seed,
        "data_seed": cfg.seed,
        "logging_steps": logging_steps,
        "logging_first_step": True,
        "save_strategy": "steps",
        "save_steps": interval,
        "save_total_limit": cfg.save_total_limit,
        "eval_strategy": "steps" if has_eval else "no",
        "eval_steps": interval,
        "load_best_model_at_end": has_eval,
        "metric_for_best_model": "eval_loss",
        "greater_is_better": False,
        "report_to": "none",
        "disable_tqdm": True,
        "dataloader_num_workers": 0,
        "ddp_find_unused_parameters": False,  # every trainable (LoRA) weight is used each step
        "use_liger_kernel": plan.liger_kernel,
        "restore_callback_states_from_checkpoint": True,  # early-stopping patience survives a resume
    }
    return kwargs
