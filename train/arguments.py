"""Trainer arguments shared by SFT and DPO: schedule, precision, evaluation and checkpoints."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

CHECKPOINTS = "checkpoints"
LOG_POINTS = 50  # loss points a run logs by default


def estimate_total_steps(
    cfg: Any, plan: Any, sequences: int, epochs: float, world_size: int = 1
) -> int:
    """Optimizer steps the run will take (max_steps, else epochs over the sequences)."""
    if cfg.max_steps:
        return int(cfg.max_steps)
    per_step = plan.per_device_batch_size * plan.gradient_accumulation_steps * max(world_size, 1)
    return max(1, math.ceil(epochs * math.ceil(sequences / per_step)))


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
    """Keyword arguments for SFTConfig / DPOConfig common to both methods."""
    strategy = "steps" if cfg.checkpoint_every else "epoch"
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
        "fp16": False,
        "use_cpu": plan.device == "cpu",
        "num_train_epochs": epochs,
        "max_steps": cfg.max_steps or -1,
        "seed": cfg.seed,
        "data_seed": cfg.seed,
        "logging_steps": logging_steps,
        "logging_first_step": True,
        "save_strategy": strategy,
        "save_total_limit": cfg.save_total_limit,
        "eval_strategy": strategy if has_eval else "no",
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
    if cfg.checkpoint_every:
        kwargs["save_steps"] = cfg.checkpoint_every
        kwargs["eval_steps"] = cfg.checkpoint_every
    return kwargs
