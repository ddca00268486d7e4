"""The `train` command through its real entry point: exit codes and one-sentence errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml
from train_exports import write_export

TRAIN = str(Path(sys.executable).parent / "train")


def _train(*args: str, timeout: int = 240) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    return subprocess.run([TRAIN, *args], env=env, capture_output=True, text=True, timeout=timeout)


def _one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert "Traceback" not in stderr
    assert len(lines) == 1 and lines[0].startswith("Error: "), stderr
    return lines[0]


def test_help_lists_the_commands() -> None:
    result = _train("--help")
    assert result.returncode == 0
    for command in ("run", "eval", "merge", "accelerate-config"):
        assert command in result.stdout
    run_help = _train("run", "--help").stdout
    for flag in (
        "--data",
        "--model",
        "--method",
        "--adapter",
        "--max-steps",
        "--output-dir",
        "--resume",
        "--config",
        "--allow-same-family",
        "--trust-remote-code",
        "--revision",
        "--set",
    ):
        assert flag in run_help, flag


def test_short_help_and_version_like_curate() -> None:
    from importlib.metadata import version

    short = _train("-h")
    assert short.returncode == 0 and "accelerate-config" in short.stdout
    assert "-h" in short.stdout and "--version" in short.stdout
    assert _train("run", "-h").stdout == _train("run", "--help").stdout
    shown = _train("--version")
    assert shown.returncode == 0 and shown.stdout.strip() == f"train {version('curate-ft')}"


def test_usage_errors_exit_2_with_one_sentence(tmp_path: Path) -> None:
    bad_value = _train(
        "run", "--data", str(tmp_path), "--model", "tiny-random", "--set", "lora_r=-1"
    )
    assert bad_value.returncode == 2
    assert "Setting 'lora_r'" in _one_error_line(bad_value.stderr)
    remote = _train("run", "--data", str(tmp_path), "--model", "org/m", "--trust-remote-code")
    assert remote.returncode == 2 and "pinned revision" in _one_error_line(remote.stderr)
    missing = _train("run", "--data", str(tmp_path / "nope"), "--model", "tiny-random")
    assert missing.returncode == 2 and "does not exist" in _one_error_line(missing.stderr)
    unknown = _train("run", "--bogus")
    assert unknown.returncode == 2 and "Traceback" not in unknown.stderr


def test_refused_preflight_exits_1_and_keeps_the_report(tmp_path: Path) -> None:
    export = write_export(tmp_path / "e", synthetic_share=0.6, max_synthetic_share=0.3)
    result = _train(
        "run",
        "--data",
        str(export),
        "--model",
        "tiny-random",
        "--output-dir",
        str(tmp_path / "run"),
    )
    assert result.returncode == 1
    assert "Preflight refused" in _one_error_line(result.stderr)
    assert "synthetic_share" in result.stdout
    report = json.loads((tmp_path / "run" / "preflight.json").read_text(encoding="utf-8"))
    assert [r["code"] for r in report["refusals"]] == ["synthetic_share"]


def test_preflight_only_prints_the_report_as_json(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from train.cli import app

    export = write_export(tmp_path / "e", long_every=5)
    args = [
        "run",
        "--data",
        str(export),
        "--model",
        "tiny-random",
        "--output-dir",
        str(tmp_path / "run"),
        "--set",
        "max_length=256",
        "--preflight-only",
        "--json",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["ok"] and report["splits"]["train"]["dropped"] == 8
    assert not (tmp_path / "run" / "adapter").exists()
    assert not (
        tmp_path / "run" / "train_config.json"
    ).exists()  # a later run may use the directory


def test_accelerate_config_writes_yaml(tmp_path: Path) -> None:
    result = _train(
        "accelerate-config",
        "--kind",
        "zero3",
        "-o",
        str(tmp_path / "z3.yaml"),
        "--num-processes",
        "4",
    )
    assert result.returncode == 0, result.stderr
    data = yaml.safe_load((tmp_path / "z3.yaml").read_text(encoding="utf-8"))
    assert data["deepspeed_config"]["zero_stage"] == 3 and data["num_processes"] == 4
    import importlib.util

    if importlib.util.find_spec("deepspeed") is None:
        assert "DeepSpeed is not installed here" in result.stderr
    fsdp = _train("accelerate-config", "--kind", "fsdp", "-o", str(tmp_path / "f.yaml"))
    assert fsdp.returncode == 0 and "DeepSpeed" not in fsdp.stderr
    bad = _train("accelerate-config", "--kind", "megatron", "-o", str(tmp_path / "m.yaml"))
    assert bad.returncode == 2 and "zero2, zero3, fsdp" in _one_error_line(bad.stderr)


def test_eval_of_a_missing_run_is_one_sentence(tmp_path: Path) -> None:
    result = _train("eval", str(tmp_path))
    assert result.returncode == 2 and "no finished run" in _one_error_line(result.stderr)
