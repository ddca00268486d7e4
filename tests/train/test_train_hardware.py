"""Hardware plans: CPU fallbacks, auto choices on GPUs of different sizes, accelerate configs."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from train.config import TrainConfig
from train.errors import ConfigError
from train.hardware import Gpu, Hardware, ModelShape, estimate_peak_gib, make_plan
from train.launch import accelerate_config, write_accelerate_config

LLAMA3_8B = ModelShape(
    params=8_030_261_248, hidden=4096, layers=32, intermediate=14336, vocab=128256
)
CPU = Hardware(device="cpu", cpu_count=2)
H200 = Hardware(device="cuda", gpus=(Gpu("NVIDIA H200", 139.8, True),))
L4 = Hardware(device="cuda", gpus=(Gpu("NVIDIA L4", 22.0, True),))
T4 = Hardware(device="cuda", gpus=(Gpu("Tesla T4", 15.0, False),))


def test_cpu_falls_back_to_lora_and_adamw_and_says_so() -> None:
    plan = make_plan(TrainConfig(), CPU, None, "sft")
    assert (plan.adapter, plan.optim, plan.bf16, plan.device) == (
        "lora",
        "adamw_torch",
        False,
        "cpu",
    )
    assert any("QLoRA needs CUDA" in n for n in plan.notes)
    assert any("adamw_torch" in n for n in plan.notes)
    assert (plan.per_device_batch_size, plan.gradient_accumulation_steps) == (4, 4)


def test_explicit_settings_are_kept_on_a_gpu() -> None:
    cfg = TrainConfig(per_device_batch_size=2, gradient_accumulation_steps=8)
    plan = make_plan(cfg, H200, LLAMA3_8B, "sft")
    assert (plan.adapter, plan.optim, plan.bf16) == ("qlora", "paged_adamw_8bit", True)
    assert (plan.per_device_batch_size, plan.gradient_accumulation_steps) == (2, 8)
    assert plan.notes == []


def test_auto_on_an_h200_picks_bf16_lora_without_checkpointing() -> None:
    plan = make_plan(TrainConfig(adapter="auto", max_length=2048), H200, LLAMA3_8B, "sft")
    assert (plan.adapter, plan.gradient_checkpointing, plan.per_device_batch_size) == (
        "lora",
        False,
        4,
    )
    assert plan.gradient_accumulation_steps == 4
    assert plan.estimated_peak_gib is not None and plan.estimated_peak_gib < 139.8 * 0.85


def test_auto_on_a_24gb_gpu_picks_qlora() -> None:
    plan = make_plan(TrainConfig(adapter="auto", max_length=2048), L4, LLAMA3_8B, "sft")
    assert plan.adapter == "qlora"
    assert plan.estimated_peak_gib <= 22.0 * 0.85


def test_gpu_without_bf16_trains_without_it() -> None:
    plan = make_plan(TrainConfig(bf16=True), T4, LLAMA3_8B, "sft")
    assert plan.bf16 is False and any("no bf16" in n for n in plan.notes)


def test_estimates_grow_with_tokens_and_shrink_with_quantisation() -> None:
    lora = estimate_peak_gib(LLAMA3_8B, "lora", 8192, checkpointing=True)
    assert estimate_peak_gib(LLAMA3_8B, "lora", 16384, checkpointing=True) > lora
    assert estimate_peak_gib(LLAMA3_8B, "qlora", 8192, checkpointing=True) < lora
    assert estimate_peak_gib(LLAMA3_8B, "lora", 8192, checkpointing=False) > lora
    assert estimate_peak_gib(LLAMA3_8B, "full", 8192, checkpointing=True) > lora


@pytest.mark.parametrize("kind", ["zero2", "zero3", "fsdp"])
def test_accelerate_configs_load_in_accelerate(tmp_path: Path, kind: str) -> None:
    from accelerate.commands.config.config_args import ClusterConfig

    path = write_accelerate_config(kind, tmp_path / f"{kind}.yaml", num_processes=8)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data == accelerate_config(kind, 8)
    loaded = ClusterConfig.from_yaml_file(str(path))
    assert loaded.num_processes == 8
    if kind == "fsdp":
        assert loaded.distributed_type == "FSDP" and loaded.fsdp_config["fsdp_version"] == 2
    else:
        assert loaded.distributed_type == "DEEPSPEED"
        assert loaded.deepspeed_config["zero_stage"] == (2 if kind == "zero2" else 3)


def test_unknown_accelerate_kind_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="zero2, zero3, fsdp"):
        write_accelerate_config("ddp", tmp_path / "x.yaml", num_processes=2)


def test_liger_kernels_are_off_without_cuda_and_need_their_package_on_a_gpu() -> None:
    import importlib.util

    from train.errors import MissingTrainDependency

    cfg = TrainConfig(liger_kernel=True)
    plan = make_plan(cfg, CPU, None, "sft")
    assert plan.liger_kernel is False
    assert any("Liger kernels need one" in n for n in plan.notes)
    assert make_plan(TrainConfig(), H200, LLAMA3_8B, "sft").liger_kernel is False
    if importlib.util.find_spec("liger_kernel") is None:
        with pytest.raises(MissingTrainDependency, match="liger-kernel") as caught:
            make_plan(cfg, H200, LLAMA3_8B, "sft")
        assert "pip install liger-kernel" in (caught.value.fix or "")
    else:  # pragma: no cover - a machine with liger installed
        assert make_plan(cfg, H200, LLAMA3_8B, "sft").liger_kernel is True


@pytest.mark.parametrize(
    ("adapter", "checkpointing", "measured_gib"),
    [("qlora", True, 23.7), ("lora", True, 32.8), ("lora", False, 108.8)],
)
def test_estimates_sit_just_above_the_measured_h200_anchors(
    adapter: str, checkpointing: bool, measured_gib: float
) -> None:
    # ../shared/gpu/README.md: Llama-3-8B shape, batches of 4 x 2,048 tokens, LoRA r=16
    estimate = estimate_peak_gib(LLAMA3_8B, adapter, 4 * 2048, checkpointing)
    assert measured_gib <= estimate <= measured_gib + 6


def test_qlora_without_checkpointing_is_predicted_not_to_fit_where_it_ran_out() -> None:
    assert estimate_peak_gib(LLAMA3_8B, "qlora", 4 * 2048, checkpointing=False) > 139


def test_auto_on_an_80gb_gpu_checkpoints_lora_at_a_batch_that_fits() -> None:
    h100 = Hardware(device="cuda", gpus=(Gpu("NVIDIA H100 80GB HBM3", 79.6, True),))
    plan = make_plan(TrainConfig(adapter="auto", max_length=2048), h100, LLAMA3_8B, "sft")
    assert (plan.adapter, plan.gradient_checkpointing) == ("lora", True)
    assert plan.per_device_batch_size * plan.gradient_accumulation_steps == 16
    assert plan.estimated_peak_gib is not None and plan.estimated_peak_gib <= 79.6 * 0.85
