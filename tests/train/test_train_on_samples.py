"""The whole path on the bundled samples: curate builds the exports, `train` trains on them.

The samples go through the real commands (init, import, validate, dedupe, split, export), and
tiny-random SFT and DPO runs of two steps train on the two exports; each run's manifest names
the export manifest it trained on.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from train_exports import tiny_settings
from typer.testing import CliRunner

from curate.cli.main import app
from train.config import build_config
from train.files import sha256_file
from train.fit import RunResult, run_training

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
SOURCES = ("openai_chat.jsonl", "alpaca.json", "sharegpt.json", "trl_preference.jsonl")


def _curate(*args: str) -> int:
    return CliRunner().invoke(app, list(args)).exit_code


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("samples-ws")
    previous = Path.cwd()
    try:
        os.chdir(root)
        assert _curate("init") == 0
        assert _curate("import", *(str(SAMPLES / name) for name in SOURCES)) == 0
        assert _curate("validate") in (0, 1)
        assert _curate("dedupe") in (0, 1)
        assert _curate("split", "--seed", "13") == 0
        out = {"sft": root / "export-sft", "preference": root / "export-dpo"}
        # exit 1: rows with a weight-0 turn are counted as unsupported by TRL, not lost
        assert _curate("export", "--format", "trl", "--out", str(out["sft"])) in (0, 1)
        assert (
            _curate(
                "export", "--format", "trl", "--kind", "preference", "--out", str(out["preference"])
            )
            == 0
        )
    finally:
        os.chdir(previous)
    return out


def _train(export: Path, run_dir: Path, method: str) -> RunResult:
    settings = tiny_settings(export, run_dir, max_steps=2)
    settings["method"] = method
    return run_training(build_config(settings))


@pytest.mark.parametrize("method", ["sft", "dpo"])
def test_tiny_random_trains_on_the_samples_export(
    exports: dict[str, Path], tmp_path: Path, method: str
) -> None:
    export = exports["sft" if method == "sft" else "preference"]
    result = _train(export, tmp_path / f"run-{method}", method)
    assert result.metrics["final"]["global_step"] == 2
    assert (result.run_dir / "adapter" / "adapter_model.safetensors").is_file()
    manifest = json.loads((result.run_dir / "run_manifest.json").read_text(encoding="utf-8"))
    assert manifest["method"] == method
    assert manifest["dataset"]["manifest_sha256"] == sha256_file(export / "manifest.json")
    rows = json.loads((export / "manifest.json").read_text(encoding="utf-8"))["files"]["train"][
        "rows"
    ]
    assert (
        result.prepared.report.splits["train"].rows == rows
    )  # every exported row reached the preflight
