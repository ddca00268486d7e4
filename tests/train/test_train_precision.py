"""Precision follows the hardware plan (fp16 where bf16 is missing); a QLoRA resume is exact."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
import torch
from test_train_hardware import H200, LLAMA3_8B, T4
from train_exports import tiny_settings, write_export
from transformers import TrainerCallback

from train import tiny
from train.arguments import common_args
from train.config import TrainConfig, build_config
from train.data import load_splits, open_export
from train.fit import fit
from train.hardware import make_plan
from train.model import deepspeed_zero3, load_dtype, quantization_config
from train.precision import cast_trainable, fp32_masters, trainable_dtypes
from train.runner import preflight, resolve_config


@pytest.mark.parametrize("adapter", ["qlora", "lora", "full"])
def test_a_t4_plan_computes_in_fp16_with_loss_scaling(adapter: str, tmp_path: Path) -> None:
    plan = make_plan(TrainConfig(adapter=adapter), T4, LLAMA3_8B, "sft")
    assert (plan.adapter, plan.bf16, plan.fp16) == (adapter, False, True)
    assert any("no bf16 (Tesla T4)" in note for note in plan.notes)
    args = common_args(TrainConfig(), plan, tmp_path, 1.0, 100, True, 2e-4)
    assert (args["bf16"], args["fp16"]) == (False, True)
    if adapter == "qlora":
        bnb = quantization_config(plan)
        assert bnb.bnb_4bit_compute_dtype == torch.float16
        assert bnb.load_in_4bit and bnb.bnb_4bit_quant_type == "nf4"
    # the frozen base in fp16 (half of fp32); full fine-tuning keeps fp32 master weights
    assert load_dtype(plan) == (torch.float32 if adapter == "full" else torch.float16)


def test_a_bf16_gpu_keeps_bf16_and_asking_for_bf16_on_a_t4_does_not_force_it(
    tmp_path: Path,
) -> None:
    plan = make_plan(TrainConfig(), H200, LLAMA3_8B, "sft")
    assert (plan.bf16, plan.fp16) == (True, False)
    assert quantization_config(plan).bnb_4bit_compute_dtype == torch.bfloat16
    args = common_args(TrainConfig(), plan, tmp_path, 1.0, 100, True, 2e-4)
    assert (args["bf16"], args["fp16"]) == (True, False)
    forced = make_plan(TrainConfig(bf16=True), T4, LLAMA3_8B, "sft")
    assert (forced.bf16, forced.fp16) == (False, True)


def test_zero3_stores_4bit_weights_in_the_compute_dtype(monkeypatch: pytest.MonkeyPatch) -> None:
    t4 = make_plan(TrainConfig(), T4, LLAMA3_8B, "sft")
    h200 = make_plan(TrainConfig(), H200, LLAMA3_8B, "sft")
    monkeypatch.delenv("ACCELERATE_USE_DEEPSPEED", raising=False)
    assert not deepspeed_zero3()
    assert quantization_config(h200).bnb_4bit_quant_storage == torch.uint8
    monkeypatch.setenv("ACCELERATE_USE_DEEPSPEED", "true")
    monkeypatch.setenv("ACCELERATE_DEEPSPEED_ZERO_STAGE", "2")
    assert not deepspeed_zero3()
    monkeypatch.setenv("ACCELERATE_DEEPSPEED_ZERO_STAGE", "3")
    assert deepspeed_zero3()
    for plan, dtype in ((h200, torch.bfloat16), (t4, torch.float16)):
        bnb = quantization_config(plan, zero3=deepspeed_zero3())
        assert bnb.bnb_4bit_quant_storage == dtype == bnb.bnb_4bit_compute_dtype


def _lora_model(dtype: torch.dtype):  # noqa: ANN202
    from peft import LoraConfig, get_peft_model

    tok = tiny.build_tokenizer(["select rows from orders", "partition by date"])
    model = tiny.build_model(tok).to(dtype)
    config = LoraConfig(r=4, target_modules="all-linear", task_type="CAUSAL_LM")
    return get_peft_model(model, config, autocast_adapter_dtype=False)


def test_fp16_training_keeps_fp32_adapter_weights_and_a_frozen_fp16_base() -> None:
    model = _lora_model(torch.float16)
    assert set(trainable_dtypes(model).values()) == {torch.float16}
    changed = fp32_masters(model)
    assert changed == len(trainable_dtypes(model)) > 0
    assert set(trainable_dtypes(model).values()) == {torch.float32}
    frozen = {p.dtype for p in model.parameters() if not p.requires_grad}
    assert frozen == {torch.float16}


def test_cast_trainable_restores_recorded_dtypes_exactly() -> None:
    model = _lora_model(torch.bfloat16)
    before = trainable_dtypes(model)
    values = {n: p.detach().clone() for n, p in model.named_parameters() if p.requires_grad}
    for p in model.parameters():  # what PEFT's load_adapter does to an adapter on resume
        if p.requires_grad:
            p.data = p.data.float()
    assert cast_trainable(model, before) == len(before)
    for name, param in model.named_parameters():
        if param.requires_grad:
            assert param.dtype == torch.bfloat16 and torch.equal(param, values[name])


class _Watch(TrainerCallback):
    """Records the trainable dtypes at each step; raises after ``crash_at``."""

    def __init__(self, crash_at: int | None = None) -> None:
        self.dtypes: dict[int, set[torch.dtype]] = {}
        self.crash_at = crash_at

    def on_step_end(self, args, state, control, model=None, **kwargs):  # noqa: ANN001, ANN201
        self.dtypes[state.global_step] = {p.dtype for p in model.parameters() if p.requires_grad}
        if state.global_step == self.crash_at:
            raise RuntimeError("killed")


def _qlora_run(export: Path, out: Path, base: Path, watch: _Watch, resume: bool = False):  # noqa: ANN202
    if resume:
        cfg = resolve_config(None, {"output_dir": str(out), "resume": True})
    else:
        shutil.copytree(base, out / "base")  # the run's tiny base: hidden size 64
        cfg = build_config(
            tiny_settings(export, out, max_steps=4, checkpoint_every=2, learning_rate=5e-3)
        )
    prep = preflight(cfg)
    # the CPU plan says LoRA; bitsandbytes' CPU backend runs the 4-bit path all the same
    prep.plan = dataclasses.replace(prep.plan, adapter="qlora")
    from rich.console import Console

    return fit(cfg, prep, console=Console(quiet=True), callbacks=[watch])


def test_a_resumed_qlora_run_keeps_bf16_adapters_and_repeats_the_losses_exactly(
    tmp_path: Path,
) -> None:
    pytest.importorskip("bitsandbytes")
    # no validation split: on the CPU, bitsandbytes repacks 4-bit weights for its inference
    # kernel at the first evaluation and trains on that layout afterwards, which would make an
    # evaluated run differ from one resumed past the evaluation for reasons unrelated to resume
    export = write_export(tmp_path / "export", counts=(40, 0, 8))
    rows = list(load_splits(open_export(export))["train"])
    tok = tiny.build_tokenizer(tiny.corpus(rows))
    base = tmp_path / "base"
    # bitsandbytes' CPU 4-bit kernels need in_features of at least one 64-value block
    tiny.build_model(tok, hidden_size=64).save_pretrained(str(base))
    tok.save_pretrained(str(base))

    whole = _Watch()
    full = _qlora_run(export, tmp_path / "full", base, whole)
    assert full.manifest["adapter"] == "qlora"
    killed = _Watch(crash_at=3)
    with pytest.raises(RuntimeError, match="killed"):
        _qlora_run(export, tmp_path / "killed", base, killed)
    after = _Watch()
    resumed = _qlora_run(export, tmp_path / "killed", base, after, resume=True)
    assert resumed.manifest["resumed_from"] == "checkpoint-2"
    # TRL trains QLoRA adapters in bf16; the resumed run continues in bf16, not fp32
    assert whole.dtypes == {step: {torch.bfloat16} for step in (1, 2, 3, 4)}
    assert after.dtypes == {3: {torch.bfloat16}, 4: {torch.bfloat16}}
    assert [p["loss"] for p in resumed.metrics["train"]] == [
        p["loss"] for p in full.metrics["train"]
    ]
