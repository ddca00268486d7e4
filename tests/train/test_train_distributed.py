"""`train run` under `accelerate launch` with two processes (CPU, gloo): the multi-GPU code path."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from train_exports import write_export

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _launcher(kind: str, tmp_path: Path) -> list[str]:
    """accelerate's own flags for plain data parallel, or the FSDP config `train` writes."""
    if kind == "ddp":
        flags = ["--multi_gpu", "--num_processes", "2", "--num_machines", "1"]
        flags += ["--mixed_precision", "no", "--dynamo_backend", "no"]
    else:
        config = tmp_path / "fsdp.yaml"
        made = subprocess.run(
            [str(BIN / "train"), "accelerate-config", "--kind", "fsdp", "--num-processes", "2"]
            + ["-o", str(config)],
            capture_output=True,
            text=True,
        )
        assert made.returncode == 0, made.stderr
        flags = ["--config_file", str(config)]
    return [str(BIN / "accelerate"), "launch", *flags, "--main_process_port", str(_free_port())]


@pytest.mark.skipif(not (BIN / "accelerate").exists(), reason="accelerate launcher not installed")
@pytest.mark.parametrize("kind", ["ddp", "fsdp"])
def test_two_process_run_trains_once_and_speaks_once(kind: str, tmp_path: Path) -> None:
    export = write_export(tmp_path / "export")
    run_dir = tmp_path / "run"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    env.pop("CUDA_VISIBLE_DEVICES", None)
    command = [
        *_launcher(kind, tmp_path),
        str(BIN / "train"),
        "run",
        "--data",
        str(export),
        "--model",
        "tiny-random",
        "--max-steps",
        "3",
        "--output-dir",
        str(run_dir),
        "--json",
    ]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    # rank 0 alone prints the preflight and the one JSON result
    assert result.stderr.count("preflight (sft") == 1, result.stderr[-3000:]
    summary = json.loads(result.stdout)
    assert summary["run_dir"] == str(run_dir)
    assert summary["metrics"]["global_step"] == 3
    manifest = json.loads((run_dir / "run_manifest.json").read_text())
    assert "2 processes" in manifest["hardware"]
    # 16 sequences per optimizer step across both ranks: batch 4 x accumulation 2 on each
    assert manifest["plan"]["per_device_batch_size"] == 4
    assert manifest["plan"]["gradient_accumulation_steps"] == 2
    ledger = (run_dir / "data_order.jsonl").read_text().splitlines()
    assert [json.loads(line)["step"] for line in ledger] == [1, 2, 3]
    from safetensors.torch import load_file

    weights = load_file(run_dir / "adapter" / "adapter_model.safetensors")
    # whole (gathered) LoRA matrices: 2 layers x 7 projections x A and B, rank 16
    assert len(weights) == 28
    assert all(16 in tensor.shape for tensor in weights.values())
    assert (
        run_dir / "base" / "config.json"
    ).is_file()  # built once, by rank 0, before rank 1 read it
