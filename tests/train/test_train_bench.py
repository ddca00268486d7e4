"""The GPU benchmark script keeps working: its CPU dry run (--tiny) and its report."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from statistics import median

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "gpu" / "train_bench.py"


def _module():
    spec = importlib.util.spec_from_file_location("train_bench", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.parametrize("isolate", [False, True], ids=["in-process", "one-process-per-arm"])
def test_dry_run_measures_every_arm(tmp_path: Path, isolate: bool) -> None:
    out = tmp_path / "bench.json"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    result = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--tiny",
            "--work",
            str(tmp_path / "work"),
            "--out",
            str(out),
            "--samples",
            "24",
            "--warmup-micro",
            "1",
            "--timed-micro",
            "2",
            "--variant",
            "q-b8:per_device_batch_size=8,gradient_checkpointing=false",
            *(["--isolate", "--model-vocab", "600"] if isolate else []),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["dry_run"] is True and set(data["arms"]) == {"seed", "qlora", "auto", "q-b8"}
    for arm, figures in data["arms"].items():
        assert "error" not in figures, (arm, figures)
        assert figures["real_tokens"] > 0 and figures["real_tokens_per_s"] > 0
        profile = figures["profile"]  # one step after the timed ones, on the CPU clock here
        assert profile["clock"] == "cpu" and profile["top"]
        assert abs(sum(profile["share_by_category"].values()) - 1) < 0.01
        assert "matmul" in profile["share_by_category"]
    assert data["arms"]["qlora"]["plan"]["adapter"] == "lora"  # no CUDA: QLoRA falls back
    variant = data["arms"]["q-b8"]["plan"]
    assert variant["per_device_batch_size"] == 8 and variant["gradient_checkpointing"] is False
    assert "DRY RUN" in result.stdout and "qlora: one step's cpu time" in result.stdout
    model_dir = tmp_path / "work" / ("model-tiny-v600" if isolate else "model-tiny")
    assert (model_dir / "model.safetensors").is_file()
    assert data["model"]["model_vocab"] == (600 if isolate else 1024)


def test_instruction_data_has_alpaca_lengths() -> None:
    rows = _module().alpaca_rows(400)
    answers = [len(r["messages"][1]["content"].split()) for r in rows]
    prompts = [len(r["messages"][0]["content"].split()) for r in rows]
    assert 80 <= median(answers) <= 140 and max(answers) > 300
    assert min(prompts) >= 6 and median(prompts) < 60
    assert rows == _module().alpaca_rows(400)  # deterministic


def test_report_states_the_goals() -> None:
    results = {
        "arms": {
            "seed": {
                "real_tokens_per_s": 800.0,
                "peak_allocated_gib": 5.1,
                "peak_reserved_gib": 6.0,
                "recipe": "seed",
            },
            "qlora": {
                "real_tokens_per_s": 8100.0,
                "peak_allocated_gib": 9.0,
                "peak_reserved_gib": 10.0,
                "recipe": "q",
            },
            "auto": {"error": "CUDA out of memory"},
        }
    }
    lines = _module().report_lines(results, tiny=False)
    text = "\n".join(lines)
    assert "8,100 at 9.0 GiB" in text and "10.1x" in text and "failed" in text


def test_variant_specs_are_checked() -> None:
    parse = _module().parse_variant
    assert parse("lora-nock:adapter=lora,gradient_checkpointing=false") == (
        "lora-nock",
        {"adapter": "lora", "gradient_checkpointing": False},
    )
    assert parse("q")[1] == {"adapter": "qlora"}
    for bad in ("qlora:per_device_batch_size=2", ":lora_r=8", "a b:lora_r=8"):
        try:
            parse(bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad!r} was accepted")


def test_kernel_names_fall_into_categories() -> None:
    import sys

    sys.path.insert(0, str(SCRIPT.parent))
    from kernel_profile import category

    assert category("sm90_xmma_gemm_bf16bf16_bf16f32") == "matmul"
    assert category("void kDequantizeBlockwise<__nv_bfloat16, 512, 64, 8, 2>") == "dequantize_4bit"
    assert category("pytorch_flash::flash_fwd_kernel") == "attention"
    assert category("aten::bernoulli_") == "dropout"
    assert category("void cunn_SoftMaxForward<log_softmax>") == "loss"
    assert category("kOptimizer32bit2State<adam>") == "optimizer"
