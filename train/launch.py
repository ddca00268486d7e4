"""accelerate configs for multi-GPU runs (DeepSpeed ZeRO-2/3, FSDP), launched with `accelerate launch`.

train accelerate-config --kind zero3 -o zero3.yaml
accelerate launch --config_file zero3.yaml "$(which train)" run --config train.toml
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from train.errors import ConfigError
from train.files import write_bytes_atomic

KINDS = ("zero2", "zero3", "fsdp")

_COMMON: dict[str, Any] = {
    "compute_environment": "LOCAL_MACHINE",
    "debug": False,
    "downcast_bf16": "no",
    "machine_rank": 0,
    "main_training_function": "main",
    "mixed_precision": "bf16",
    "num_machines": 1,
    "rdzv_backend": "static",
    "same_network": True,
    "tpu_env": [],
    "tpu_use_cluster": False,
    "tpu_use_sudo": False,
    "use_cpu": False,
}


def accelerate_config(kind: str, num_processes: int) -> dict[str, Any]:
    """The accelerate config for ``kind`` on one machine with ``num_processes`` GPUs."""
    if kind not in KINDS:
        raise ConfigError(
            f"Unknown accelerate config kind '{kind}'; choose one of {', '.join(KINDS)}."
        )
    if num_processes < 1:
        raise ConfigError("--num-processes must be at least 1.")
    cfg = {**_COMMON, "num_processes": num_processes}
    if kind in ("zero2", "zero3"):
        stage = 2 if kind == "zero2" else 3
        ds: dict[str, Any] = {
            "deepspeed_multinode_launcher": "standard",
            "offload_optimizer_device": "none",
            "offload_param_device": "none",
            "zero3_init_flag": stage == 3,
            "zero_stage": stage,
        }
        if stage == 3:
            ds["zero3_save_16bit_model"] = True
        cfg.update(distributed_type="DEEPSPEED", deepspeed_config=ds)
    else:
        cfg.update(
            distributed_type="FSDP",
            fsdp_config={
                "fsdp_activation_checkpointing": False,
                "fsdp_auto_wrap_policy": "TRANSFORMER_BASED_WRAP",
                "fsdp_cpu_ram_efficient_loading": True,
                "fsdp_offload_params": False,
                "fsdp_reshard_after_forward": True,
                "fsdp_state_dict_type": "FULL_STATE_DICT",
                "fsdp_version": 2,
            },
        )
    return dict(sorted(cfg.items()))


def write_accelerate_config(kind: str, path: str | Path, num_processes: int | None = None) -> Path:
    """Write the config to ``path``; the process count defaults to the visible CUDA GPUs (at least 1)."""
    if num_processes is None:
        from train.hardware import detect

        num_processes = max(1, len(detect().gpus))
    path = Path(path)
    header = f"# accelerate config ({kind}); launch: accelerate launch --config_file {path.name} $(which train) run ...\n"
    write_bytes_atomic(
        path,
        (header + yaml.safe_dump(accelerate_config(kind, num_processes), sort_keys=True)).encode(
            "utf-8"
        ),
    )
    return path
