"""Open a finished run directory: its manifest, config, tokenizer, base model and adapter."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from train.config import TrainConfig
from train.errors import ModelLoadError
from train.files import read_json


@dataclass(frozen=True)
class Run:
    """A finished run, as recorded in its run_manifest.json."""

    path: Path
    manifest: dict[str, Any]
    config: TrainConfig

    @property
    def weights(self) -> Path:
        return self.path / self.manifest["outputs"]["weights"]

    @property
    def is_adapter(self) -> bool:
        return self.manifest["outputs"]["weights"] == "adapter"

    @property
    def base_source(self) -> str:
        base = self.manifest["base_model"]
        return (
            str(self.path / base["path"]) if self.manifest.get("smoke_run") else str(base["source"])
        )


def open_run(run_dir: str | Path) -> Run:
    """Read a run directory written by `train run`."""
    path = Path(run_dir)
    mpath = path / "run_manifest.json"
    if not mpath.is_file():
        raise ModelLoadError(
            f"{path} holds no finished run (no run_manifest.json).",
            "Point at the output directory of `train run`.",
        )
    try:
        manifest = read_json(mpath)
        config = TrainConfig(**manifest["config"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelLoadError(f"{mpath} cannot be read ({exc}).") from None
    run = Run(path=path, manifest=manifest, config=config)
    if not run.weights.is_dir():
        raise ModelLoadError(f"{path} lacks its weights folder {run.weights.name}/.")
    return run


def run_metrics(run_dir: str | Path) -> dict[str, Any]:
    """The metrics.json a finished run wrote (its losses and final numbers)."""
    path = Path(run_dir) / "metrics.json"
    try:
        data = read_json(path)
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"{path} cannot be read ({exc}).") from None
    if not isinstance(data, dict):
        raise ModelLoadError(f"{path} does not hold a run's metrics.")
    return data


def load_run_tokenizer(run: Run) -> Any:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(run.path / "tokenizer"))
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_tuned(run: Run, base: Any, device: str) -> Any:
    """The trained model: the adapter on ``base`` (use disable_adapter() for the base), or the full model."""
    if run.is_adapter:
        from peft import PeftModel

        return PeftModel.from_pretrained(base, str(run.weights)).to(device).eval()
    from train.model import load_for_inference

    return load_for_inference(str(run.weights), run.config, device)
