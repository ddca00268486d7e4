"""The training report: metrics from the log, the overfitting warning, the PNG."""

from __future__ import annotations

import math
from pathlib import Path

from train.report import build_metrics, overfitting_warning, plot_losses

PNG = b"\x89PNG\r\n\x1a\n"


def _log(train: list[float], evals: dict[int, float]) -> list[dict]:
    log = []
    for step, loss in enumerate(train, start=1):
        log.append({"loss": loss, "step": step, "epoch": step / 10, "num_tokens": 100 * step})
        if step in evals:
            log.append({"eval_loss": evals[step], "step": step, "epoch": step / 10})
    log.append({"train_runtime": 2.0, "train_loss": sum(train) / len(train), "step": len(train)})
    return log


def test_warning_when_validation_rises_while_training_falls() -> None:
    log = _log([3.0, 2.5, 2.0, 1.6, 1.2, 0.9], {2: 2.4, 4: 2.2, 6: 2.6})
    metrics = build_metrics(log, "sft", {"global_step": 6, "epoch": 0.6})
    warning = metrics["overfitting_warning"]
    assert warning and "rose from 2.2000 (step 4) to 2.6000 (step 6)" in warning


def test_no_warning_while_validation_improves_or_training_also_rises() -> None:
    improving = _log([3.0, 2.5, 2.0, 1.6], {2: 2.4, 4: 2.2})
    assert build_metrics(improving, "sft", {})["overfitting_warning"] is None
    train, evals = (
        [{"step": s, "loss": v} for s, v in [(1, 1.0), (2, 1.0), (3, 1.5), (4, 1.6)]],
        [
            {"step": 2, "eval_loss": 1.0},
            {"step": 4, "eval_loss": 1.3},
        ],
    )
    assert overfitting_warning(train, evals) is None  # both rose: divergence, not overfitting
    assert overfitting_warning(train, evals[:1]) is None


def test_metrics_hold_the_logged_losses_and_perplexity() -> None:
    log = _log([3.0, 2.5, 2.0, 1.6], {2: 2.4, 4: 2.2})
    metrics = build_metrics(log, "sft", {"global_step": 4, "epoch": 0.4, "early_stopped": False})
    assert [p["loss"] for p in metrics["train"]] == [3.0, 2.5, 2.0, 1.6]
    assert [p["eval_loss"] for p in metrics["eval"]] == [2.4, 2.2]
    assert math.isclose(metrics["eval"][1]["perplexity"], math.exp(2.2))
    final = metrics["final"]
    assert (final["best_step"], final["best_eval_loss"], final["tokens_per_second"]) == (
        4,
        2.2,
        200.0,
    )
    assert "perplexity" not in build_metrics(log, "dpo", {})["eval"][0]


def test_plot_writes_a_png(tmp_path: Path) -> None:
    metrics = build_metrics(
        _log([3.0, 2.5, 2.0, 1.6, 1.2, 0.9], {2: 2.4, 4: 2.2, 6: 2.6}), "sft", {}
    )
    path = tmp_path / "loss.png"
    assert plot_losses(metrics, path)
    assert path.read_bytes()[:8] == PNG
