"""Load base models and tokenizers safely (safetensors only, remote code only when pinned)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from train import tiny
from train.errors import ModelLoadError

BASE_DIR = "base"  # where a run keeps the tiny-random base it built


def is_tiny(cfg: Any) -> bool:
    return cfg.model == tiny.TINY_NAME


def base_path(cfg: Any, run_dir: Path) -> str:
    """Where the base model is loaded from: the model setting, or the run's own tiny base."""
    return str(run_dir / BASE_DIR) if is_tiny(cfg) else str(cfg.model)


def hub_kwargs(cfg: Any) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"trust_remote_code": bool(cfg.trust_remote_code)}
    if cfg.revision and not is_tiny(cfg):
        kwargs["revision"] = cfg.revision
    return kwargs


def explain_load_error(source: str, exc: Exception) -> ModelLoadError:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if "safetensors" in str(exc).lower() or ".bin" in str(exc):
        return ModelLoadError(
            f"{source} has no safetensors weights, and this trainer loads only safetensors.",
            "Convert the checkpoint to safetensors with a tool you trust, then point --model at it.",
        )
    return ModelLoadError(f"Cannot load model {source}: {text}")


def check_source(source: str) -> None:
    """A path-like model source must exist (a hub id is org/name)."""
    looks_local = (
        source.startswith(("/", ".", "~"))
        or source.count("/") > 1
        or os.sep != "/"
        and os.sep in source
    )
    if looks_local and not Path(source).expanduser().exists():
        raise ModelLoadError(
            f"Model directory {source} does not exist.",
            "Give a local directory or a hub id such as org/name.",
        )


def prepare_tiny_base(cfg: Any, run_dir: Path, rows: list[dict[str, Any]]) -> None:
    """Build and save the tiny-random base (model and tokenizer) once per run directory."""
    target = run_dir / BASE_DIR
    if (target / "config.json").is_file():
        return
    tokenizer = tiny.build_tokenizer(tiny.corpus(rows))
    model = tiny.build_model(tokenizer, seed=cfg.seed)
    model.save_pretrained(str(target))
    tokenizer.save_pretrained(str(target))


def load_tokenizer(source: str, cfg: Any) -> Any:
    """The tokenizer of ``source``, with a pad token (the end-of-sequence token if none)."""
    from transformers import AutoTokenizer

    check_source(source)
    try:
        tokenizer = AutoTokenizer.from_pretrained(source, **hub_kwargs(cfg))
    except (OSError, ValueError, KeyError) as exc:
        raise explain_load_error(source, exc) from None
    if tokenizer.pad_token is None and tokenizer.eos_token is not None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_config(source: str, cfg: Any) -> Any:
    """The model's transformers config (no weights)."""
    from transformers import AutoConfig

    try:
        return AutoConfig.from_pretrained(source, **hub_kwargs(cfg))
    except (OSError, ValueError, KeyError) as exc:
        raise explain_load_error(source, exc) from None


def compute_dtype(plan: Any) -> Any:
    """The dtype a plan computes in: bf16 where the GPU has it, else fp16 on a GPU, else fp32.

    GPUs without bf16 (T4, V100) compute in fp16 with loss scaling rather than in fp32
    (twice the memory) or in bf16 (emulated, slow, or refused).
    """
    import torch

    if plan is not None and plan.bf16:
        return torch.bfloat16
    if plan is not None and getattr(plan, "fp16", False):
        return torch.float16
    return torch.float32


def quantization_config(plan: Any = None, fsdp: bool = False, zero3: bool = False) -> Any:
    """QLoRA's 4-bit setting: NF4 with double quantisation, computing in the plan's dtype.

    Under FSDP or DeepSpeed ZeRO-3 the packed 4-bit weights are stored in the compute dtype so
    they can be sharded like the rest of the model (PEFT's FSDP-QLoRA and ZeRO-3 QLoRA recipes
    set ``bnb_4bit_quant_storage`` to the dtype the model is loaded in). Without a plan: bf16.
    """
    import torch
    from transformers import BitsAndBytesConfig

    dtype = compute_dtype(plan) if plan is not None else torch.bfloat16
    extra = {"bnb_4bit_quant_storage": dtype} if fsdp or zero3 else {}
    return BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=dtype,
        **extra,
    )


def lora_config(cfg: Any) -> Any:
    """peft LoraConfig from the settings (all linear projections by default)."""
    from peft import LoraConfig

    return LoraConfig(
        r=cfg.lora_r,
        lora_alpha=cfg.lora_alpha,
        lora_dropout=cfg.lora_dropout,
        target_modules=cfg.target_modules,
        bias="none",
        task_type="CAUSAL_LM",
    )


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").lower() in ("1", "true")


def _distributed() -> bool:
    return _env_flag("ACCELERATE_USE_DEEPSPEED") or _env_flag("ACCELERATE_USE_FSDP")


def deepspeed_zero3() -> bool:
    """True under `accelerate launch` with a DeepSpeed ZeRO stage 3 config (launch sets the env)."""
    return (
        _env_flag("ACCELERATE_USE_DEEPSPEED")
        and os.environ.get("ACCELERATE_DEEPSPEED_ZERO_STAGE", "").strip() == "3"
    )


def load_dtype(plan: Any) -> Any:
    """The dtype the base weights are loaded in for training.

    QLoRA's unquantised parts and LoRA's frozen base take the compute dtype (bf16, or fp16 on a
    GPU without bf16: half the memory of fp32); full fine-tuning keeps fp32 master weights and
    mixed precision computes in half precision.
    """
    import torch

    if plan.adapter in ("qlora", "lora"):
        return compute_dtype(plan)
    return torch.float32


def load_model(source: str, cfg: Any, plan: Any) -> Any:
    """The base model for training, placed and typed as the plan says."""
    from transformers import AutoModelForCausalLM

    check_source(source)
    kwargs: dict[str, Any] = {"use_safetensors": True, **hub_kwargs(cfg)}
    if cfg.attn_implementation:
        kwargs["attn_implementation"] = cfg.attn_implementation
    kwargs["dtype"] = load_dtype(plan)
    if plan.adapter == "qlora":
        kwargs["quantization_config"] = quantization_config(
            plan, fsdp=_env_flag("ACCELERATE_USE_FSDP"), zero3=deepspeed_zero3()
        )
        if plan.device == "cpu":  # bitsandbytes' CPU backend (tests; a CPU plan never asks for it)
            kwargs["device_map"] = {"": "cpu"}
        elif not _distributed():
            kwargs["device_map"] = {"": int(os.environ.get("LOCAL_RANK", "0"))}
    try:
        return AutoModelForCausalLM.from_pretrained(source, **kwargs)
    except (OSError, ValueError, KeyError, ImportError) as exc:
        raise explain_load_error(source, exc) from None


def load_for_inference(source: str, cfg: Any, device: str) -> Any:
    """A base model for generation and scoring (no quantisation), on ``device``."""
    import torch
    from transformers import AutoModelForCausalLM

    dtype = torch.float32
    if device == "cuda":  # fp16 on GPUs without bf16 (T4, V100), where bf16 is emulated or refused
        dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    try:
        model = AutoModelForCausalLM.from_pretrained(
            source, use_safetensors=True, dtype=dtype, **hub_kwargs(cfg)
        )
    except (OSError, ValueError, KeyError) as exc:
        raise explain_load_error(source, exc) from None
    return model.to(device).eval()
