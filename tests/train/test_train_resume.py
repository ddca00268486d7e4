"""A run killed after its first checkpoint resumes to the same steps, batches and losses."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from train_exports import resume_settings, write_export

from train.ledger import read_ledger
from train.runner import latest_checkpoint

TRAIN = str(Path(sys.executable).parent / "train")
STEPS = 12
SETTINGS = resume_settings(checkpoint_every=3)


def _env() -> dict[str, str]:
    return {
        **os.environ,
        "OMP_NUM_THREADS": "1",
        "HF_HUB_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
    }


def _command(export: Path, out: Path, *extra: str) -> list[str]:
    sets = [arg for s in SETTINGS for arg in ("--set", s)]
    return [
        TRAIN,
        "run",
        "--data",
        str(export),
        "--model",
        "tiny-random",
        "--max-steps",
        str(STEPS),
        "--output-dir",
        str(out),
        *sets,
        *extra,
    ]


def _first_checkpoint_written(out: Path) -> bool:
    try:
        json.loads(
            (out / "checkpoints" / "checkpoint-3" / "trainer_state.json").read_text(
                encoding="utf-8"
            )
        )
    except (OSError, ValueError):
        return False
    return True


@pytest.mark.slow
def test_resume_after_kill_matches_an_uninterrupted_run(tmp_path: Path) -> None:
    export = write_export(tmp_path / "export")
    full, killed = tmp_path / "full", tmp_path / "killed"
    done = subprocess.run(
        _command(export, full), env=_env(), capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr

    proc = subprocess.Popen(
        _command(export, killed), env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 240
    while not _first_checkpoint_written(killed):
        assert proc.poll() is None, "the run ended before its first checkpoint"
        assert time.monotonic() < deadline, "no checkpoint within the time limit"
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    assert not (killed / "run_manifest.json").exists()

    resumed = subprocess.run(
        [TRAIN, "run", "--output-dir", str(killed), "--resume"],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert resumed.returncode == 0, resumed.stderr

    a = json.loads((full / "metrics.json").read_text(encoding="utf-8"))
    b = json.loads((killed / "metrics.json").read_text(encoding="utf-8"))
    assert a["final"]["global_step"] == b["final"]["global_step"] == STEPS
    assert (
        [p["step"] for p in a["train"]]
        == [p["step"] for p in b["train"]]
        == list(range(1, STEPS + 1))
    )
    for x, y in zip(a["train"], b["train"], strict=True):
        assert math.isclose(x["loss"], y["loss"], rel_tol=1e-4), (x, y)
    for x, y in zip(a["eval"], b["eval"], strict=True):
        assert math.isclose(x["eval_loss"], y["eval_loss"], rel_tol=1e-4), (x, y)
    order_a = [(e["step"], e["batch"]) for e in read_ledger(full / "data_order.jsonl")]
    order_b = [(e["step"], e["batch"]) for e in read_ledger(killed / "data_order.jsonl")]
    assert order_a == order_b and len(order_a) == STEPS
    manifest = json.loads((killed / "run_manifest.json").read_text(encoding="utf-8"))
    assert manifest["resumed_from"].startswith("checkpoint-")


def test_resume_with_changed_settings_is_refused(tmp_path: Path) -> None:
    export = write_export(tmp_path / "export")
    run = tmp_path / "run"
    run.mkdir()
    (run / "train_config.json").write_text(
        json.dumps(
            {"config": {"model": "tiny-random", "data": str(export), "lora_r": 16}, "method": "sft"}
        ),
        encoding="utf-8",
    )
    changed = subprocess.run(
        [TRAIN, "run", "--output-dir", str(run), "--resume", "--set", "lora_r=8"],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert changed.returncode == 2
    assert "lora_r: 16 -> 8" in changed.stderr and "Traceback" not in changed.stderr


def test_latest_checkpoint_skips_an_unfinished_one(tmp_path: Path) -> None:
    for step, complete in ((3, True), (6, True), (9, False)):
        folder = tmp_path / f"checkpoint-{step}"
        folder.mkdir()
        (folder / "adapter_model.safetensors").write_bytes(b"x")
        if complete:
            (folder / "trainer_state.json").write_text("{}", encoding="utf-8")
    assert latest_checkpoint(tmp_path) == str(tmp_path / "checkpoint-6")
    assert latest_checkpoint(tmp_path / "none") is None
