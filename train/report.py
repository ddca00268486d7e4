"""The training report: metrics.json, loss curves (loss.png) with an overfitting warning."""

from __future__ import annotations

import io
import math
from pathlib import Path
from statistics import fmean
from typing import Any

from train.files import write_bytes_atomic

TOLERANCE = 0.01  # a validation loss 1% above its best counts as rising


def split_history(log_history: list[dict[str, Any]]) -> tuple[list[dict], list[dict], dict]:
    """Training-loss points, evaluation points and the closing summary of a trainer log."""
    train, evals, summary = [], [], {}
    for entry in log_history:
        if "loss" in entry:
            train.append(
                {
                    "step": entry.get("step"),
                    "epoch": entry.get("epoch"),
                    "loss": float(entry["loss"]),
                    **{
                        k: entry[k]
                        for k in ("learning_rate", "grad_norm", "num_tokens")
                        if k in entry
                    },
                }
            )
        elif "eval_loss" in entry:
            evals.append(
                {
                    "step": entry.get("step"),
                    "epoch": entry.get("epoch"),
                    "eval_loss": float(entry["eval_loss"]),
                }
            )
        elif "train_runtime" in entry:
            summary = dict(entry)
    return train, evals, summary


def perplexity(loss: float) -> float | None:
    """exp(loss), or None where it would overflow."""
    return math.exp(loss) if loss < 700 else None


def overfitting_warning(train: list[dict], evals: list[dict]) -> str | None:
    """A sentence when validation loss rose after its best while training loss kept falling."""
    if len(evals) < 2:
        return None
    best_i = min(range(len(evals)), key=lambda i: evals[i]["eval_loss"])
    best, last = evals[best_i], evals[-1]
    if best_i == len(evals) - 1 or last["eval_loss"] <= best["eval_loss"] * (1 + TOLERANCE):
        return None
    start = evals[best_i - 1]["step"] if best_i > 0 else -1
    before = [p["loss"] for p in train if start < p["step"] <= best["step"]]
    after = [p["loss"] for p in train if best["step"] < p["step"] <= last["step"]]
    if not before or not after or fmean(after) >= fmean(before):
        return None
    return (
        f"Overfitting: validation loss rose from {best['eval_loss']:.4f} (step {best['step']}) to "
        f"{last['eval_loss']:.4f} (step {last['step']}) while training loss fell "
        f"({fmean(before):.4f} -> {fmean(after):.4f}); the best checkpoint is the one kept."
    )


def build_metrics(
    log_history: list[dict[str, Any]], method: str, state: dict[str, Any]
) -> dict[str, Any]:
    """metrics.json content from the trainer's log history and final state."""
    train, evals, summary = split_history(log_history)
    if method == "sft":
        for point in evals:
            point["perplexity"] = perplexity(point["eval_loss"])
    best = min(evals, key=lambda p: p["eval_loss"]) if evals else None
    tokens = max((p.get("num_tokens", 0) or 0 for p in train), default=0)
    runtime = float(summary.get("train_runtime", 0.0) or 0.0)
    final = {
        "global_step": state.get("global_step"),
        "epoch": state.get("epoch"),
        "train_loss": summary.get("train_loss"),
        "train_runtime_s": runtime,
        "train_tokens": int(tokens),
        "tokens_per_second": round(tokens / runtime, 1) if runtime and tokens else None,
        "best_step": best["step"] if best else None,
        "best_eval_loss": best["eval_loss"] if best else None,
    }
    if method == "sft" and best:
        final["best_perplexity"] = perplexity(best["eval_loss"])
    return {
        "method": method,
        "train": train,
        "eval": evals,
        "final": final,
        "early_stopped": bool(state.get("early_stopped")),
        "overfitting_warning": overfitting_warning(train, evals),
    }


def plot_losses(metrics: dict[str, Any], path: Path) -> bool:
    """Write the loss curves as a PNG; False (and no file) when matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib.figure import Figure
    except ImportError:
        return False
    fig = Figure(figsize=(8, 4.5), dpi=100)
    ax = fig.add_subplot()
    train, evals = metrics["train"], metrics["eval"]
    if train:
        ax.plot(
            [p["step"] for p in train],
            [p["loss"] for p in train],
            label="training loss",
            color="tab:blue",
        )
    if evals:
        ax.plot(
            [p["step"] for p in evals],
            [p["eval_loss"] for p in evals],
            "o-",
            label="validation loss",
            color="tab:orange",
        )
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("loss")
    ax.grid(alpha=0.3)
    ax.legend()
    warning = metrics.get("overfitting_warning")
    title = f"{metrics['method'].upper()} loss"
    ax.set_title(
        title if not warning else f"{title}: OVERFITTING (validation loss rising)",
        color="black" if not warning else "tab:red",
    )
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    write_bytes_atomic(path, buf.getvalue())
    return True
