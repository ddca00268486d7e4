"""Trainable weights' dtypes (fp32 masters under fp16, unchanged by a resume) and their count."""

from __future__ import annotations

from typing import Any


def trainable_dtypes(model: Any) -> dict[str, Any]:
    """The dtype of each trainable parameter, by name."""
    return {name: p.dtype for name, p in model.named_parameters() if p.requires_grad}


def cast_trainable(model: Any, dtypes: dict[str, Any]) -> int:
    """Give each named trainable parameter its dtype in ``dtypes``; returns how many changed."""
    changed = 0
    for name, param in model.named_parameters():
        want = dtypes.get(name)
        if want is not None and param.dtype != want:
            param.data = param.data.to(want)
            changed += 1
    return changed


def fp32_masters(model: Any) -> int:
    """Trainable half-precision weights become fp32; returns how many changed.

    Under fp16 mixed precision the loss scaler refuses fp16 gradients, and TRL casts QLoRA's
    adapter weights to bf16, which a GPU without bf16 (T4, V100) only emulates; the adapter
    is small, so fp32 costs little and keeps every update.
    """
    import torch

    halves = (torch.float16, torch.bfloat16)
    return cast_trainable(
        model,
        {name: torch.float32 for name, dtype in trainable_dtypes(model).items() if dtype in halves},
    )


def keep_dtypes_on_resume(trainer: Any) -> None:
    """Make a resumed run train its weights in the dtypes the interrupted run trained them in.

    The trainer reloads an adapter checkpoint through PEFT's ``load_adapter``, which casts
    adapter weights to fp32; TRL trains QLoRA adapters in bf16. Left alone, a resumed QLoRA
    run would continue in fp32 and its losses would drift from the uninterrupted run's.
    """
    load = trainer._load_from_checkpoint

    def load_keeping_dtypes(*args: Any, **kwargs: Any) -> Any:
        before = trainable_dtypes(trainer.model)
        out = load(*args, **kwargs)
        cast_trainable(trainer.model, before)
        return out

    trainer._load_from_checkpoint = load_keeping_dtypes


def parameter_counts(model: Any) -> dict[str, Any]:
    """Trainable and total parameters (4-bit weights counted unpacked) and the trainable share."""
    if hasattr(model, "get_nb_trainable_parameters"):  # a PEFT model
        trainable, total = model.get_nb_trainable_parameters()
    else:
        total = sum(p.numel() for p in model.parameters())
        trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    share = trainable / total if total else 0.0
    return {
        "trainable_parameters": int(trainable),
        "total_parameters": int(total),
        "trainable_share": round(share, 6),
    }


def describe_counts(counts: dict[str, Any]) -> str:
    """One line for the console.

    >>> describe_counts(
    ...     {"trainable_parameters": 41943040, "total_parameters": 8071204864,
    ...      "trainable_share": 0.005197}
    ... )
    'trainable parameters: 41,943,040 of 8,071,204,864 (0.52%)'
    """
    return (
        f"trainable parameters: {counts['trainable_parameters']:,} of "
        f"{counts['total_parameters']:,} ({counts['trainable_share']:.2%})"
    )
