"""Detect the accelerator and plan what fits: adapter, batch size, accumulation, checkpointing.

The memory model is a rough, documented estimate fitted to measured H200 figures for a
Llama-3-8B shape (see estimate_peak_gib); it errs on the safe side and keeps 15% of memory free.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import asdict, dataclass, field
from typing import Any

from train.errors import MissingTrainDependency

GIB = 1024**3
EFFECTIVE_BATCH = 16  # sequences per optimizer step that auto aims for
BATCH_CHOICES = (16, 8, 4, 2, 1)
HEADROOM = 0.85  # share of GPU memory a plan may fill


@dataclass(frozen=True)
class Gpu:
    """One visible GPU."""

    name: str
    total_gib: float
    bf16: bool


@dataclass(frozen=True)
class Hardware:
    """What this process can train on."""

    device: str  # "cuda" or "cpu"
    gpus: tuple[Gpu, ...] = ()
    cpu_count: int = 1
    world_size: int = 1

    @property
    def gpu_gib(self) -> float:
        return min((g.total_gib for g in self.gpus), default=0.0)

    def describe(self) -> str:
        if self.device == "cuda" and self.gpus:
            g = self.gpus[0]
            return (
                f"{len(self.gpus)} x {g.name} ({g.total_gib:.0f} GiB), world size {self.world_size}"
            )
        ranks = f", {self.world_size} processes" if self.world_size > 1 else ""
        return f"CPU ({self.cpu_count} cores{ranks}), no CUDA GPU"


@dataclass(frozen=True)
class ModelShape:
    """Sizes that decide memory use."""

    params: int
    hidden: int
    layers: int
    intermediate: int
    vocab: int

    @property
    def embedding_params(self) -> int:
        return 2 * self.vocab * self.hidden  # input embedding and output head (untied worst case)


@dataclass
class Plan:
    """How a run will use the hardware; ``notes`` say each decision that was not asked for."""

    adapter: str
    device: str
    per_device_batch_size: int
    gradient_accumulation_steps: int
    gradient_checkpointing: bool
    bf16: bool
    optim: str
    estimated_peak_gib: float | None = None
    liger_kernel: bool = False
    fp16: bool = False  # fp16 mixed precision with loss scaling: a GPU without bf16
    estimated_step_seconds: float | None = None  # bounds the time between checkpoints
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def detect() -> Hardware:
    """The CUDA GPUs visible to this process, or the CPU."""
    import torch

    world = int(os.environ.get("WORLD_SIZE", "1") or 1)
    cpus = os.cpu_count() or 1
    if not torch.cuda.is_available():
        return Hardware(device="cpu", cpu_count=cpus, world_size=world)
    gpus = []
    for index in range(torch.cuda.device_count()):
        props = torch.cuda.get_device_properties(index)
        gpus.append(Gpu(name=props.name, total_gib=props.total_memory / GIB, bf16=props.major >= 8))
    return Hardware(device="cuda", gpus=tuple(gpus), cpu_count=cpus, world_size=world)


# Fitted to the measured H200 anchors (../shared/gpu/README.md: Llama-3-8B shape, 4 x 2,048
# tokens): QLoRA + checkpointing 23.7 GiB, LoRA + checkpointing 32.8, LoRA without 108.8,
# QLoRA without out of memory at 139. The estimates land 1.5-5 GiB above the first three and
# above 139 for the fourth, so a plan errs towards fitting.
LAYER_HIDDEN_BYTES = 45  # activations kept per token and layer, per unit of hidden size ...
LAYER_INTERMEDIATE_BYTES = 11  # ... and per unit of MLP width (bf16, LoRA inputs included)
LOGIT_BYTES = 14  # per token and vocabulary entry: bf16 logits, fp32 loss copy, gradients
QLORA_UNCHECKPOINTED = 1.45  # 4-bit layers without checkpointing keep more (the OOM anchor)


def estimate_peak_gib(
    shape: ModelShape, adapter: str, tokens: int, checkpointing: bool, dpo: bool = False
) -> float:
    """Rough peak memory of one training step with ``tokens`` tokens per micro-batch.

    Weights: bf16 = 2 bytes/param; QLoRA = 0.53 bytes per quantised parameter (NF4 plus
    double-quantised scales) with embeddings kept in bf16; full fine-tuning keeps fp32
    weights, gradients and AdamW states (16 bytes/param). Activations per token: with
    checkpointing, each layer's bf16 input plus one layer recomputed; without, every layer's.
    The logits of a large vocabulary cost as much as a few layers. DPO runs chosen and
    rejected (twice the tokens).
    """
    linear = max(shape.params - shape.embedding_params, 0)
    if adapter == "qlora":
        weights = linear * 0.53 + shape.embedding_params * 2
    elif adapter == "full":
        weights = shape.params * 16
    else:
        weights = shape.params * 2
    per_layer = LAYER_HIDDEN_BYTES * shape.hidden + LAYER_INTERMEDIATE_BYTES * shape.intermediate
    if checkpointing:
        per_token = shape.layers * shape.hidden * 2 + per_layer
    else:
        per_token = shape.layers * per_layer
        if adapter == "qlora":
            per_token *= QLORA_UNCHECKPOINTED
    per_token += shape.vocab * LOGIT_BYTES
    if dpo:
        tokens *= 2
    overhead = 1.5 * GIB  # CUDA context, allocator slack, LoRA weights and optimizer states
    return (weights + tokens * per_token + overhead) / GIB


def _fallbacks(cfg: Any, hw: Hardware, notes: list[str]) -> tuple[str, str, bool, bool]:
    """Adapter, optimizer, bf16 and fp16 this hardware allows for what the settings ask."""
    adapter, optim = cfg.adapter, cfg.optim
    if hw.device != "cuda":
        if adapter == "qlora":
            notes.append(
                "No CUDA GPU: 4-bit QLoRA needs CUDA, so this run uses LoRA on full-precision weights."
            )
            adapter = "lora"
        if adapter == "auto":
            adapter = "lora"
            notes.append("auto on a CPU: LoRA on full-precision weights.")
        if "8bit" in optim or optim.startswith("paged_"):
            notes.append(
                f"No CUDA GPU: optimizer {optim} needs bitsandbytes on CUDA; using adamw_torch."
            )
            optim = "adamw_torch"
        if cfg.bf16:
            notes.append("No CUDA GPU: bf16 mixed precision is off (full precision on the CPU).")
        return adapter, optim, False, False
    if importlib.util.find_spec("bitsandbytes") is None:
        if adapter == "qlora":
            raise MissingTrainDependency("bitsandbytes")
        if "8bit" in optim:
            notes.append(
                f"bitsandbytes is not installed: optimizer {optim} replaced by adamw_torch."
            )
            optim = "adamw_torch"
    bf16_ok = all(g.bf16 for g in hw.gpus)
    bf16 = bool(bf16_ok if cfg.bf16 is None else cfg.bf16 and bf16_ok)
    # a GPU without bf16 (T4, V100): fp16 mixed precision with loss scaling, the base in fp16
    # (QLoRA computes in fp16), trainable weights kept in fp32; bf16 = false by choice on a GPU
    # that has it stays in full precision, as asked
    fp16 = not bf16_ok
    if not bf16_ok:
        names = ", ".join(sorted({g.name for g in hw.gpus if not g.bf16}))
        notes.append(
            f"This GPU has no bf16 ({names}): fp16 mixed precision with loss scaling, "
            "QLoRA computing in fp16."
        )
    return adapter, optim, bf16, fp16


def _liger(cfg: Any, hw: Hardware, notes: list[str]) -> bool:
    """Whether Liger's fused kernels can be used: asked for, a CUDA GPU, the package there."""
    if not cfg.liger_kernel:
        return False
    if hw.device != "cuda":
        notes.append("No CUDA GPU: Liger kernels need one, so they are off.")
        return False
    if importlib.util.find_spec("liger_kernel") is None:
        raise MissingTrainDependency(
            "liger-kernel", "pip install liger-kernel (or set liger_kernel = false)"
        )
    return True


def make_plan(cfg: Any, hw: Hardware, shape: ModelShape | None, method: str) -> Plan:
    """Decide adapter, batch size, accumulation, checkpointing and precision for this run."""
    notes: list[str] = []
    adapter, optim, bf16, fp16 = _fallbacks(cfg, hw, notes)
    liger = _liger(cfg, hw, notes)
    batch = cfg.per_device_batch_size
    accum = cfg.gradient_accumulation_steps
    ckpt = cfg.gradient_checkpointing
    dpo = method == "dpo"
    per_rank = max(1, EFFECTIVE_BATCH // max(hw.world_size, 1))

    if adapter == "auto" and hw.device == "cuda":
        budget = hw.gpu_gib * HEADROOM
        if shape is None:
            adapter = "qlora"
            notes.append("auto: model size unknown, so QLoRA (the smallest footprint).")
        else:
            choice = _auto_choice(shape, cfg.max_length, budget, batch, dpo)
            if choice is None:
                adapter, ckpt, batch = "qlora", True, batch or 1
                notes.append(
                    f"auto: even QLoRA with checkpointing and batch 1 may not fit in {budget:.0f} GiB; trying it."
                )
            else:
                adapter, ckpt, batch = choice
                notes.append(
                    f"auto: {adapter} with batch {batch}{' and gradient checkpointing' if ckpt else ''} "
                    f"fits {hw.gpu_gib:.0f} GiB (the fastest setting estimated to fit)."
                )
    if batch is None:
        batch = 4
    if accum is None:
        accum = max(1, per_rank // batch)
    peak = None
    if shape is not None:
        peak = round(estimate_peak_gib(shape, adapter, batch * cfg.max_length, ckpt, dpo), 1)
        if hw.device == "cuda" and peak > hw.gpu_gib * HEADROOM:
            notes.append(
                f"Estimated peak {peak} GiB is above {hw.gpu_gib * HEADROOM:.0f} GiB: expect out-of-memory; "
                "lower per_device_batch_size or max_length, or use adapter = auto."
            )
    return Plan(
        adapter=adapter,
        device=hw.device,
        per_device_batch_size=batch,
        gradient_accumulation_steps=accum,
        gradient_checkpointing=ckpt,
        bf16=bf16,
        optim=optim,
        estimated_peak_gib=peak,
        liger_kernel=liger,
        fp16=fp16,
        notes=notes,
    )


def _auto_choice(
    shape: ModelShape, max_length: int, budget: float, fixed_batch: int | None, dpo: bool
) -> tuple[str, bool, int] | None:
    """Fastest (adapter, checkpointing, batch) estimated to fit, in order of speed."""
    batches = (fixed_batch,) if fixed_batch else BATCH_CHOICES
    for adapter, ckpt in (("lora", False), ("lora", True), ("qlora", False), ("qlora", True)):
        for batch in batches:
            if batch < 4 and fixed_batch is None and (adapter, ckpt) != ("qlora", True):
                break  # tiny batches starve the GPU: try a leaner setting first
            if estimate_peak_gib(shape, adapter, batch * max_length, ckpt, dpo) <= budget:
                return adapter, ckpt, batch
    return None


def shape_from_config(config: Any) -> ModelShape:
    """ModelShape of a transformers config, counting parameters on the meta device."""
    import torch
    from transformers import AutoModelForCausalLM

    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(config)
    params = sum(p.numel() for p in model.parameters())
    text = config.get_text_config() if hasattr(config, "get_text_config") else config
    hidden = int(getattr(text, "hidden_size", 0) or 0)
    return ModelShape(
        params=params,
        hidden=hidden,
        layers=int(getattr(text, "num_hidden_layers", 0) or 0),
        intermediate=int(getattr(text, "intermediate_size", 0) or 4 * hidden),
        vocab=int(getattr(text, "vocab_size", 0) or 0),
    )
