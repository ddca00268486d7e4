"""Learning rates by adapter and method, checkpoints within an epoch, early stopping that fires."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from train_exports import tiny_settings, write_export
from transformers import TrainerCallback

from train.arguments import checkpoint_interval, early_stopping_can_fire, evaluations_planned
from train.config import build_config, default_learning_rate, learning_rate_choice, load_config
from train.fit import fit, run_training
from train.runner import preflight, resolve_config, training_kwargs


def test_default_rates_depend_on_adapter_and_method() -> None:
    assert default_learning_rate("full", "sft") == 2e-5
    assert default_learning_rate("full", "dpo") == 5e-7
    for adapter in ("lora", "qlora"):
        assert default_learning_rate(adapter, "sft") == 2e-4
        assert default_learning_rate(adapter, "dpo") == 5e-6
    # full fine-tuning never gets the adapter rate by default
    for method in ("sft", "dpo"):
        assert default_learning_rate("full", method) < default_learning_rate("lora", method) / 5


def test_full_fine_tuning_gets_its_own_rate_and_the_preflight_names_it(
    sft_export: Path, tmp_path: Path
) -> None:
    prep = preflight(build_config(tiny_settings(sft_export, tmp_path / "run", adapter="full")))
    assert prep.plan.adapter == "full"
    assert prep.report.plan["learning_rate"] == 2e-5
    assert prep.report.plan["learning_rate_source"] == "default for full fine-tuning + sft"
    kwargs, _ = training_kwargs(build_config(tiny_settings(sft_export, tmp_path / "run")), prep)
    assert kwargs["learning_rate"] == 2e-5
    saved = json.loads((tmp_path / "run" / "preflight.json").read_text(encoding="utf-8"))
    assert saved["plan"]["learning_rate_source"] == "default for full fine-tuning + sft"


def test_lora_keeps_the_adapter_rate(sft_export: Path, tmp_path: Path) -> None:
    prep = preflight(build_config(tiny_settings(sft_export, tmp_path / "run", adapter="lora")))
    assert prep.report.plan["learning_rate"] == 2e-4
    assert prep.report.plan["learning_rate_source"] == "default for adapter lora + sft"


def test_a_set_rate_names_its_source_and_warns_when_far_off(tmp_path: Path) -> None:
    toml = tmp_path / "train.toml"
    toml.write_text("adapter = 'full'\nlearning_rate = 2e-4\n", encoding="utf-8")
    from_file = resolve_config(toml, {})
    rate, source, warning = learning_rate_choice(from_file, "sft", "full")
    assert (rate, source) == (2e-4, f"config file {toml}")
    assert warning is not None and "10x above the usual 2e-05" in warning
    from_set = resolve_config(toml, {"learning_rate": 3e-5})
    assert learning_rate_choice(from_set, "sft", "full") == (3e-5, "--set", None)
    low = load_config(None, {"learning_rate": 1e-6})
    assert "200x below" in str(learning_rate_choice(low, "sft", "qlora")[2])


def test_the_preflight_warns_about_full_fine_tuning_at_the_adapter_rate(
    sft_export: Path, tmp_path: Path
) -> None:
    cfg = load_config(
        None, tiny_settings(sft_export, tmp_path / "run", adapter="full", learning_rate=2e-4)
    )
    prep = preflight(cfg)
    assert prep.report.plan["learning_rate_source"] == "--set"
    assert any("overwrites what the model knew" in n for n in prep.report.notes)


def test_intervals_give_about_ten_checkpoints_and_respect_time() -> None:
    assert checkpoint_interval(625) == 63 and evaluations_planned(625, 63) == 10
    assert checkpoint_interval(3) == 1
    assert checkpoint_interval(625, every=100) == 100
    # 6 s a step: at most 30 minutes (300 steps) between checkpoints
    assert checkpoint_interval(20_000, step_seconds=6.0) == 300
    # the old default, once per epoch over two epochs, gave early stopping no chance
    assert not early_stopping_can_fire(2, 2)
    assert early_stopping_can_fire(evaluations_planned(625, checkpoint_interval(625)), 2)


def test_preflight_says_when_early_stopping_cannot_fire(sft_export: Path, tmp_path: Path) -> None:
    settings = tiny_settings(sft_export, tmp_path / "run", max_steps=6, checkpoint_every=3)
    prep = preflight(build_config(settings))
    schedule = prep.report.plan["schedule"]
    assert (schedule["checkpoint_every"], schedule["evaluations_planned"]) == (3, 2)
    assert any("Early stopping cannot fire" in n for n in prep.report.notes)
    fine = preflight(build_config(tiny_settings(sft_export, tmp_path / "run2", max_steps=30)))
    assert fine.report.plan["schedule"]["checkpoint_every"] == 3
    assert fine.report.plan["schedule"]["evaluations_planned"] == 10
    assert not any("Early stopping cannot fire" in n for n in fine.report.notes)


def _one_epoch(export: Path, out: Path) -> dict[str, object]:
    settings = tiny_settings(
        export,
        out,
        epochs=1,
        packing=False,
        per_device_batch_size=2,
        learning_rate=5e-3,
        early_stopping_patience=None,
    )
    del settings["max_steps"]
    return settings


class Crash(Exception):
    """Stands for a killed process."""


class Steps(TrainerCallback):
    """Records the steps checkpointed, and crashes after ``crash_at`` when given."""

    def __init__(self, crash_at: int | None = None) -> None:
        self.saved: list[int] = []
        self.crash_at = crash_at

    def on_save(self, args, state, control, **kwargs):  # noqa: ANN001, ANN201
        self.saved.append(state.global_step)

    def on_step_end(self, args, state, control, **kwargs):  # noqa: ANN001, ANN201
        if self.crash_at is not None and state.global_step == self.crash_at:
            raise Crash


def test_one_epoch_checkpoints_several_times_and_resumes_from_the_last(tmp_path: Path) -> None:
    export = write_export(tmp_path / "export")
    full = run_training(
        build_config(_one_epoch(export, tmp_path / "full")), console=_quiet()
    ).metrics
    assert full["final"]["global_step"] == 20 and full["final"]["epochs_planned"] == 1.0

    cfg = build_config(_one_epoch(export, tmp_path / "killed"))
    crashed = Steps(crash_at=15)
    with pytest.raises(Crash):
        fit(cfg, preflight(cfg), console=_quiet(), callbacks=[crashed])
    # one epoch of 20 steps: a checkpoint every 2 steps, not only at the end
    assert crashed.saved == [2, 4, 6, 8, 10, 12, 14]
    resumed_cfg = resolve_config(None, {"output_dir": str(tmp_path / "killed"), "resume": True})
    prep = preflight(resumed_cfg)
    assert Path(str(prep.resume_from)).name == "checkpoint-14"
    after = Steps()
    resumed = fit(resumed_cfg, prep, console=_quiet(), callbacks=[after]).metrics
    assert after.saved == [16, 18, 20]
    assert [p["step"] for p in resumed["train"]] == list(range(1, 21))
    # the steps after the checkpoint repeat the uninterrupted run's losses exactly
    assert [p["loss"] for p in resumed["train"]] == [p["loss"] for p in full["train"]]
    assert [p["eval_loss"] for p in resumed["eval"]] == [p["eval_loss"] for p in full["eval"]]
    manifest = json.loads((tmp_path / "killed" / "run_manifest.json").read_text(encoding="utf-8"))
    assert manifest["resumed_from"] == "checkpoint-14"
    counts = manifest["parameters"]
    assert 0 < counts["trainable_parameters"] < counts["total_parameters"]
    assert counts["trainable_share"] == pytest.approx(
        counts["trainable_parameters"] / counts["total_parameters"], abs=1e-6
    )


def test_early_stopping_fires_on_a_rising_validation_loss_with_default_settings(
    tmp_path: Path,
) -> None:
    export = write_export(tmp_path / "export", unlike_validation=True)
    settings = tiny_settings(
        export, tmp_path / "run", adapter="full", per_device_batch_size=1, learning_rate=5e-3
    )
    del settings["max_steps"]  # default epochs, checkpoint interval and patience
    cfg = build_config(settings)
    assert cfg.early_stopping_patience == 2 and cfg.checkpoint_every is None
    prep = preflight(cfg)
    planned = prep.report.plan["schedule"]
    assert planned["evaluations_planned"] >= 3
    assert not any("Early stopping cannot fire" in n for n in prep.report.notes)
    result = fit(cfg, prep, console=_quiet())
    losses = [p["eval_loss"] for p in result.metrics["eval"]]
    assert result.metrics["early_stopped"] is True
    best = losses.index(min(losses))
    # stopped after `patience` evaluations worse than the best, well before the planned end
    assert len(losses) == best + 3 and all(loss > losses[best] for loss in losses[best + 1 :])
    assert result.metrics["final"]["global_step"] < planned["total_steps_estimated"]


def _quiet():  # noqa: ANN202
    from rich.console import Console

    return Console(quiet=True)
