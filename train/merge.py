"""`train merge`: fold a run's adapter into its base model, saved as safetensors for any server."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from train.errors import ConfigError
from train.files import sha256_file, write_json_atomic
from train.rundir import load_run_tokenizer, load_tuned, open_run
from train.turns import write_generation_config

DTYPES = ("bf16", "fp16", "fp32")


def merge_run(run_dir: str | Path, out: str | Path, dtype: str = "bf16") -> Path:
    """Write base + adapter as one model in ``out`` (which must not exist yet).

    A QLoRA adapter is merged into the base loaded in ``dtype`` (not into 4-bit weights), which
    is what inference servers load. Its ``generation_config.json`` lists the chat template's
    end-of-turn token among the ``eos_token_id``s, so servers stop at the end of a turn.
    """
    import torch

    if dtype not in DTYPES:
        raise ConfigError(f"--dtype must be one of {', '.join(DTYPES)}.")
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise ConfigError(
            f"{out} already exists and is not empty.", "Choose a new output directory."
        )
    run = open_run(run_dir)
    torch_dtype = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}[dtype]
    staging = out.parent / f".{out.name}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    tokenizer = load_run_tokenizer(run)
    if run.is_adapter:
        base = _load_base(run, torch_dtype)
        merged = load_tuned(run, base, "cpu").merge_and_unload()
    else:
        merged = _load_base(run, torch_dtype, source=str(run.weights))
    merged.save_pretrained(str(staging))
    write_generation_config(staging, merged, tokenizer)  # stop at the end of a turn
    tokenizer.save_pretrained(str(staging))
    write_json_atomic(staging / "curate_merge.json", _provenance(run, dtype))
    if out.exists():
        out.rmdir()
    staging.rename(out)
    return out


def _load_base(run: Any, dtype: Any, source: str | None = None) -> Any:
    from transformers import AutoModelForCausalLM

    from train.model import explain_load_error, hub_kwargs

    source = source or run.base_source
    try:
        return AutoModelForCausalLM.from_pretrained(
            source, use_safetensors=True, dtype=dtype, **hub_kwargs(run.config)
        )
    except (OSError, ValueError, KeyError) as exc:
        raise explain_load_error(source, exc) from None


def _provenance(run: Any, dtype: str) -> dict[str, Any]:
    return {
        "tool": "curate-ft train merge",
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "run_dir": str(run.path.resolve()),
        "run_manifest_sha256": sha256_file(run.path / "run_manifest.json"),
        "base_model": run.manifest["base_model"],
        "dataset_manifest_sha256": run.manifest["dataset"]["manifest_sha256"],
        "dtype": dtype,
        "smoke_run": bool(run.manifest.get("smoke_run")),
    }
