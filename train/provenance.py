"""run_manifest.json: ties the adapter's bytes to the dataset manifest, the config and the code."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from train.files import sha256_file

PACKAGES = ("torch", "transformers", "trl", "peft", "accelerate", "datasets", "bitsandbytes")


def versions() -> dict[str, str | None]:
    """Installed versions of the packages that shaped the run."""
    out: dict[str, str | None] = {}
    for name in ("curate-ft", *PACKAGES):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def file_hashes(folder: Path) -> dict[str, str]:
    """sha256 of every file in ``folder`` (by name)."""
    return {p.name: sha256_file(p) for p in sorted(folder.iterdir()) if p.is_file()}


def run_manifest(
    *,
    run_dir: Path,
    cfg: Any,
    prep: Any,
    export_manifest: dict[str, Any],
    manifest_sha256: str,
    weights_dir: str,
    metrics: dict[str, Any],
    resumed_from: str | None,
) -> dict[str, Any]:
    """The run manifest's content."""
    smoke = prep.report.model.get("smoke_run", False)
    files = export_manifest.get("files", {})
    return {
        "tool": "curate-ft train",
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "smoke_run": smoke,
        "method": prep.method,
        "adapter": prep.plan.adapter,
        "outputs": {"weights": weights_dir, "tokenizer": "tokenizer", "metrics": "metrics.json"},
        "weights_sha256": file_hashes(run_dir / weights_dir),
        "base_model": {
            "source": cfg.model,
            "path": "base" if smoke else cfg.model,
            "revision": cfg.revision,
            "trust_remote_code": cfg.trust_remote_code,
            "family": prep.report.model.get("family"),
        },
        "dataset": {
            "export_dir": str(Path(cfg.data).resolve()),
            "manifest_sha256": manifest_sha256,
            "files_sha256": {split: entry.get("sha256") for split, entry in files.items()},
            "workspace_fingerprint": export_manifest.get("workspace_fingerprint"),
            "rows_trained": {name: stats.kept for name, stats in prep.report.splits.items()},
        },
        "config": cfg.model_dump(),
        "plan": prep.plan.to_dict(),
        "hardware": prep.hardware.describe(),
        "parameters": {
            key: metrics["final"].get(key)
            for key in ("trainable_parameters", "total_parameters", "trainable_share")
        },
        "resumed_from": Path(resumed_from).name if resumed_from else None,
        "metrics": metrics["final"],
        "early_stopped": metrics["early_stopped"],
        "overfitting_warning": metrics["overfitting_warning"],
        "versions": versions(),
    }
