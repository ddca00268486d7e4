"""SFT and DPO runs with tiny-random: outputs, reload and generation, report, eval and merge."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from train_exports import tiny_settings, write_export

from train.config import build_config
from train.files import sha256_file
from train.fit import RunResult, run_training
from train.ledger import read_ledger

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def sft_run(tmp_path_factory: pytest.TempPathFactory) -> RunResult:
    import torch

    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("sft")
    export = write_export(root / "export")
    cfg = build_config(
        tiny_settings(export, root / "run", max_steps=6, checkpoint_every=3, learning_rate=5e-3)
    )
    return run_training(cfg)


def test_sft_run_writes_safetensors_adapter_and_reports(sft_run: RunResult) -> None:
    run = sft_run.run_dir
    adapter = {p.name for p in (run / "adapter").iterdir()}
    assert "adapter_model.safetensors" in adapter and "adapter_config.json" in adapter
    assert not [n for n in adapter if n.endswith((".bin", ".pt", ".pth", ".pkl"))]
    assert (run / "tokenizer" / "tokenizer.json").is_file()
    for name in ("metrics.json", "run_manifest.json", "preflight.json", "train_config.json"):
        assert (run / name).is_file(), name
    assert (run / "loss.png").read_bytes()[:8] == PNG


def test_metrics_hold_the_trainer_losses(sft_run: RunResult) -> None:
    from transformers import TrainerState

    metrics = json.loads((sft_run.run_dir / "metrics.json").read_text(encoding="utf-8"))
    state = TrainerState.load_from_json(
        str(sft_run.run_dir / "checkpoints" / "checkpoint-6" / "trainer_state.json")
    )
    logged = [e["loss"] for e in state.log_history if "loss" in e]
    assert [p["loss"] for p in metrics["train"]] == logged and len(logged) == 6
    assert [p["step"] for p in metrics["eval"]] == [3, 6]
    for point in metrics["eval"]:
        assert math.isclose(point["perplexity"], math.exp(point["eval_loss"]))
    assert metrics["final"]["global_step"] == 6
    assert metrics["final"]["train_tokens"] > 0


def test_run_manifest_ties_adapter_to_dataset(sft_run: RunResult) -> None:
    run = sft_run.run_dir
    manifest = json.loads((run / "run_manifest.json").read_text(encoding="utf-8"))
    export = Path(manifest["dataset"]["export_dir"])
    assert manifest["dataset"]["manifest_sha256"] == sha256_file(export / "manifest.json")
    assert manifest["weights_sha256"]["adapter_model.safetensors"] == sha256_file(
        run / "adapter" / "adapter_model.safetensors"
    )
    assert (
        manifest["smoke_run"] is True
        and manifest["method"] == "sft"
        and manifest["adapter"] == "lora"
    )
    assert manifest["config"]["lora_r"] == 16
    assert manifest["dataset"]["rows_trained"] == {"train": 40, "validation": 8}


def test_ledger_has_one_batch_per_step(sft_run: RunResult) -> None:
    entries = read_ledger(sft_run.run_dir / "data_order.jsonl")
    assert [e["step"] for e in entries] == [1, 2, 3, 4, 5, 6]
    assert len({e["batch"] for e in entries}) > 1


def test_adapter_reloads_and_generates(sft_run: RunResult) -> None:
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    run = sft_run.run_dir
    tokenizer = AutoTokenizer.from_pretrained(str(run / "tokenizer"))
    base = AutoModelForCausalLM.from_pretrained(str(run / "base"), use_safetensors=True)
    model = PeftModel.from_pretrained(base, str(run / "adapter")).eval()
    prompt = tokenizer.apply_chat_template(
        [{"role": "user", "content": "How should I partition click events?"}],
        add_generation_prompt=True,
        return_tensors="pt",
        return_dict=True,
    )
    out = model.generate(
        **prompt, max_new_tokens=8, do_sample=False, pad_token_id=tokenizer.pad_token_id
    )
    assert out.shape[1] > prompt["input_ids"].shape[1]
    lora = [t for n, t in model.named_parameters() if "lora_B" in n]
    assert lora and any(torch.count_nonzero(t) > 0 for t in lora)  # training moved the adapter


def test_eval_compares_base_and_tuned(sft_run: RunResult) -> None:
    from train.evaluate import evaluate_run

    ticks: list[tuple[int, int]] = []
    report = evaluate_run(
        sft_run.run_dir, max_samples=3, max_new_tokens=8, tick=lambda d, n: ticks.append((d, n))
    )
    assert ticks == [(0, 3), (1, 3), (2, 3)]
    assert report["perplexity"]["base"] and report["perplexity"]["tuned"]
    assert report["perplexity"]["base"] != report["perplexity"]["tuned"]
    assert report["generated_samples"] == 3 and report["perplexity_samples"] == 8
    assert report["format"]["tuned"]["checks"]["non_empty"]["applicable"] == 3
    rubric = report["rubric"]
    assert rubric["name"] == "default" and rubric["tuned"]["answers"] == 3
    for side in ("base", "tuned"):
        per_sample = [s[f"{side}_rubric"] for s in report["samples"]]
        clean = sum(1 for codes in per_sample if not codes)
        assert rubric[side]["rate"] == clean / 3
        for code, count in rubric[side]["codes"].items():
            assert count == sum(1 for codes in per_sample if code in codes)
    assert (
        (sft_run.run_dir / "eval_report.md").read_text(encoding="utf-8").startswith("# Evaluation")
    )
    assert (
        json.loads((sft_run.run_dir / "eval_report.json").read_text(encoding="utf-8"))["split"]
        == "test"
    )


def test_merge_writes_a_standalone_model(sft_run: RunResult, tmp_path: Path) -> None:
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    from train.merge import merge_run

    out = merge_run(sft_run.run_dir, tmp_path / "merged", dtype="fp32")
    names = {p.name for p in out.iterdir()}
    assert (
        "model.safetensors" in names and "tokenizer.json" in names and "curate_merge.json" in names
    )
    assert not [n for n in names if n.endswith((".bin", ".pt"))]
    merged = AutoModelForCausalLM.from_pretrained(str(out), use_safetensors=True).eval()
    base = AutoModelForCausalLM.from_pretrained(str(sft_run.run_dir / "base"), use_safetensors=True)
    tuned = PeftModel.from_pretrained(base, str(sft_run.run_dir / "adapter")).eval()
    ids = torch.tensor([[5, 17, 42, 7, 99]])
    with torch.no_grad():
        assert torch.allclose(merged(input_ids=ids).logits, tuned(input_ids=ids).logits, atol=1e-4)


def test_resume_of_a_finished_run_shows_its_metrics_and_trains_nothing(
    sft_run: RunResult,
) -> None:
    import os
    import subprocess
    import sys

    from curate.errors import UsageError
    from train.runner import preflight, resolve_config

    run = sft_run.run_dir
    before = {p.name: p.read_bytes() for p in run.iterdir() if p.is_file()}
    train = str(Path(sys.executable).parent / "train")
    env = {**os.environ, "COLUMNS": "400", "HF_HUB_OFFLINE": "1"}

    def resume(*extra: str) -> subprocess.CompletedProcess[str]:
        command = [train, "run", "--output-dir", str(run), "--resume", *extra]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)

    final = json.loads((run / "metrics.json").read_text(encoding="utf-8"))["final"]
    shown = resume()
    assert shown.returncode == 0, shown.stderr
    assert "already complete" in shown.stdout and "nothing to resume" in shown.stdout
    assert f"after 6 steps, epoch {final['epoch']:.2f}" in shown.stdout
    assert f"train loss {final['train_loss']:.4f};" in shown.stdout
    assert f"best validation loss {final['best_eval_loss']:.4f} at step" in shown.stdout
    as_json = resume("--json")
    assert as_json.returncode == 0, as_json.stderr
    data = json.loads(as_json.stdout)
    assert data["already_complete"] is True and data["metrics"] == final  # full precision
    assert {p.name: p.read_bytes() for p in run.iterdir() if p.is_file()} == before
    with pytest.raises(UsageError, match="already complete"):
        preflight(resolve_config(None, {"output_dir": str(run), "resume": True}))


def test_losses_are_printed_with_four_decimals() -> None:
    from train.show import loss_text

    assert loss_text(1.234567891) == "1.2346" and loss_text(0.0) == "0.0000"
    assert loss_text(None) == "n/a" and loss_text(3.2e-06) == "3.2e-06"


def test_dpo_run(tmp_path: Path) -> None:
    export = write_export(tmp_path / "export", kind="preference")
    cfg = build_config(
        tiny_settings(export, tmp_path / "run", max_steps=3, per_device_batch_size=2)
    )
    result = run_training(cfg)
    assert result.method == "dpo"
    assert [p["step"] for p in result.metrics["train"]] == [1, 2, 3]
    assert all(math.isfinite(p["loss"]) for p in result.metrics["train"])
    assert (result.run_dir / "adapter" / "adapter_model.safetensors").is_file()
    assert "perplexity" not in result.metrics["final"]
    preflight = json.loads((result.run_dir / "preflight.json").read_text(encoding="utf-8"))
    assert preflight["method"] == "dpo" and preflight["samples"][0]["chosen"]
