"""`train run` under `accelerate launch` with two processes (CPU, gloo): the multi-GPU code path."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from train_exports import resume_settings, write_export

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


def _train_run(kind: str, export: Path, out: Path, steps: int, *extra: str) -> list[str]:
    """`train run` on tiny-random under `accelerate launch` with two processes."""
    return [
        *_launcher(kind, out.parent),
        str(BIN / "train"),
        "run",
        "--data",
        str(export),
        "--model",
        "tiny-random",
        "--max-steps",
        str(steps),
        "--output-dir",
        str(out),
        *extra,
    ]


@pytest.mark.skipif(not (BIN / "accelerate").exists(), reason="accelerate launcher not installed")
@pytest.mark.slow
@pytest.mark.parametrize("kind", ["ddp", "fsdp"])
def test_two_process_run_trains_once_and_speaks_once(kind: str, tmp_path: Path) -> None:
    export = write_export(tmp_path / "export")
    run_dir = tmp_path / "run"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    env.pop("CUDA_VISIBLE_DEVICES", None)
    command = _train_run(kind, export, run_dir, 3, "--json")
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


def _ddp_run(export: Path, out: Path, *extra: str) -> list[str]:
    sets = [arg for s in resume_settings(checkpoint_every=2) for arg in ("--set", s)]
    return _train_run("ddp", export, out, 6, *sets, *extra)


def _processes_mentioning(marker: str) -> list[int]:
    """Live processes whose command line contains ``marker`` (read from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            status = (entry / "status").read_text(encoding="utf-8")
        except OSError:
            continue
        if marker in cmdline and "State:\tZ" not in status:
            found.append(int(entry.name))
    return found


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc")
@pytest.mark.skipif(not (BIN / "accelerate").exists(), reason="accelerate launcher not installed")
def test_two_process_run_killed_after_a_checkpoint_resumes_the_same_way(tmp_path: Path) -> None:
    import signal
    import time

    export = write_export(tmp_path / "export")
    full, killed = tmp_path / "full", tmp_path / "killed"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        _ddp_run(export, full), env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]

    proc = subprocess.Popen(
        _ddp_run(export, killed),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    state = killed / "checkpoints" / "checkpoint-2" / "trainer_state.json"
    deadline = time.monotonic() + 240
    while not state.is_file():
        assert proc.poll() is None, "the run ended before its first checkpoint"
        assert time.monotonic() < deadline, "no checkpoint within the time limit"
        time.sleep(0.01)
    time.sleep(0.2)  # let rank 0 finish writing the checkpoint it announced
    # the ranks run in sessions of their own (torchrun's workers): kill every process of this run
    victims = _processes_mentioning(str(killed))
    assert len(victims) >= 3, victims  # launcher and two ranks
    for pid in victims:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    proc.wait(timeout=60)
    deadline = time.monotonic() + 30
    while _processes_mentioning(str(killed)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _processes_mentioning(str(killed)), "a rank survived the kill"
    assert not (killed / "run_manifest.json").exists(), "the run finished before the kill"

    resumed = subprocess.run(
        _ddp_run(export, killed, "--resume"), env=env, capture_output=True, text=True, timeout=300
    )
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    a = json.loads((full / "metrics.json").read_text(encoding="utf-8"))
    b = json.loads((killed / "metrics.json").read_text(encoding="utf-8"))
    assert [p["step"] for p in a["train"]] == [p["step"] for p in b["train"]] == [1, 2, 3, 4, 5, 6]
    for x, y in zip(a["train"], b["train"], strict=True):
        assert abs(x["loss"] - y["loss"]) <= 1e-4 * abs(x["loss"]), (x, y)
    ledger_a = (full / "data_order.jsonl").read_text(encoding="utf-8").splitlines()
    ledger_b = (killed / "data_order.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(x)["batch"] for x in ledger_a] == [json.loads(x)["batch"] for x in ledger_b]
    manifest = json.loads((killed / "run_manifest.json").read_text(encoding="utf-8"))
    assert manifest["resumed_from"].startswith("checkpoint-")
