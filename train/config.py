"""The training configuration: one documented model, loaded from TOML plus command-line overrides."""

from __future__ import annotations

import difflib
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    model_validator,
)

from train.errors import ConfigError

TINY_MODEL = "tiny-random"

LR_SCHEDULERS = frozenset(
    {"cosine", "linear", "constant", "constant_with_warmup", "cosine_with_restarts", "polynomial"}
)
OPTIMIZERS = frozenset(
    {
        "paged_adamw_8bit",
        "paged_adamw_32bit",
        "adamw_8bit",
        "adamw_torch",
        "adamw_torch_fused",
        "adafactor",
        "sgd",
    }
)
DPO_LOSSES = frozenset(
    {
        "sigmoid",
        "hinge",
        "ipo",
        "exo_pair",
        "nca_pair",
        "robust",
        "bco_pair",
        "sppo_hard",
        "aot",
        "aot_unpaired",
        "apo_zero",
        "apo_down",
        "discopop",
        "sft",
        "sigmoid_norm",
    }
)


class TrainConfig(BaseModel):
    """Settings of one training run. Defaults follow the seed guide's QLoRA recipe.

    Load with :func:`load_config` (TOML file plus ``--set key=value`` overrides); every field
    below is a TOML key of the same name. Settings left as ``None`` are chosen at run time
    from the data and the hardware, and the preflight report says what was chosen and why.
    """

    model_config = ConfigDict(extra="forbid")
    _sources: dict[str, str] = PrivateAttr(default_factory=dict)

    @property
    def sources(self) -> dict[str, str]:
        """Where set values came from, by key (config file, --set, the resumed run's settings)."""
        return self._sources

    # what to train on
    data: str | None = Field(
        None, description="Export directory written by `curate export --format trl`."
    )
    model: str | None = Field(
        None,
        description="Base model: a local directory, a hub id, or `tiny-random` (a random 2-layer "
        "Llama and a tokenizer trained on the data: a CPU smoke run, not a model).",
    )
    revision: str | None = Field(
        None, description="Hub revision (commit) to pin the base model to."
    )
    trust_remote_code: bool = Field(
        False, description="Run code shipped with the model; only allowed with a pinned `revision`."
    )
    output_dir: str | None = Field(
        None, description="Run directory; default runs/<export name>-<method>."
    )
    resume: bool = Field(
        False, description="Continue from the last complete checkpoint in the run directory."
    )

    # what kind of training
    method: Literal["sft", "dpo"] | None = Field(
        None, description="sft or dpo; default: sft for an SFT export, dpo for a preference export."
    )
    adapter: Literal["qlora", "lora", "full", "auto"] = Field(
        "qlora",
        description="qlora (4-bit NF4, double quantisation, bf16 compute), lora, full, or auto "
        "(chosen from the model size and the GPU memory). Without CUDA, qlora falls back to lora.",
    )
    lora_r: int = Field(16, ge=1, description="LoRA rank.")
    lora_alpha: int = Field(32, ge=1, description="LoRA scaling numerator (alpha / r).")
    lora_dropout: float = Field(0.05, ge=0.0, lt=1.0, description="Dropout on the LoRA input.")
    target_modules: str | list[str] = Field(
        "all-linear", description="Modules that get adapters: all-linear, or a list of names."
    )

    # optimisation
    learning_rate: float | None = Field(
        None,
        gt=0.0,
        description="Peak learning rate; default by adapter and method: LoRA/QLoRA 2e-4 for SFT "
        "and 5e-6 for DPO, full fine-tuning 2e-5 for SFT and 5e-7 for DPO.",
    )
    lr_scheduler: str = Field("cosine", description="Learning-rate schedule.")
    warmup: float = Field(
        0.1, ge=0.0, description="Warm-up: below 1, a share of all steps; 1 or more, a step count."
    )
    max_grad_norm: float = Field(0.3, gt=0.0, description="Gradient clipping norm.")
    weight_decay: float = Field(0.0, ge=0.0, description="AdamW weight decay.")
    optim: str = Field(
        "paged_adamw_8bit",
        description="Optimizer; without CUDA, 8-bit ones fall back to adamw_torch.",
    )
    gradient_checkpointing: bool = Field(True, description="Recompute activations to save memory.")
    bf16: bool | None = Field(
        None, description="bf16 mixed precision; default: where the GPU has it."
    )
    per_device_batch_size: int | None = Field(
        None, ge=1, description="Sequences per device and step; default: 4, or chosen by auto."
    )
    gradient_accumulation_steps: int | None = Field(
        None, ge=1, description="Micro-batches per optimizer step; default: 4, or chosen by auto."
    )
    epochs: float | None = Field(
        None,
        gt=0.0,
        description="Passes over the data; default from the data size (choose_epochs).",
    )
    max_steps: int | None = Field(None, ge=1, description="Stop after this many optimizer steps.")
    seed: int = Field(42, description="Seed for weights, dropout and data order.")

    # sequences
    max_length: int = Field(
        1024, ge=16, description="Longest sequence in tokens (longer are truncated)."
    )
    packing: bool = Field(True, description="Pack SFT samples into full sequences (no padding).")
    packing_strategy: Literal["bfd", "wrapped"] = Field(
        "bfd",
        description="bfd keeps samples whole (best-fit decreasing); wrapped cuts across them.",
    )
    assistant_only_loss: bool = Field(
        True, description="SFT: learn only the assistant turns of conversations."
    )

    # DPO
    beta: float = Field(0.1, gt=0.0, description="DPO: strength of the pull towards the reference.")
    loss_type: str = Field("sigmoid", description="DPO loss (sigmoid is the original DPO).")

    # evaluation, early stopping, checkpoints
    early_stopping_patience: int | None = Field(
        2,
        ge=1,
        description="Evaluations without a better validation loss before stopping; None: off.",
    )
    checkpoint_every: int | None = Field(
        None,
        ge=1,
        description="Evaluate and checkpoint every N steps; default: about 10 times per run, "
        "at most 30 minutes apart when the step time is estimated.",
    )
    save_total_limit: int = Field(
        2, ge=1, description="Newest checkpoints kept (the best is kept besides)."
    )
    logging_steps: int | None = Field(
        None, ge=1, description="Steps between loss logs; default: about 50 points per run."
    )

    # preflight guards
    max_synthetic_share: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="Largest synthetic share allowed; default: the manifest's.",
    )
    allow_same_family: bool = Field(
        False, description="Allow a base model of the same family as the data's generator."
    )
    preview_samples: int = Field(3, ge=0, le=20, description="Samples rendered in the preflight.")

    # performance
    attn_implementation: str | None = Field(
        None, description="Attention kernel (sdpa, eager, ...)."
    )
    dataset_num_proc: int | None = Field(None, ge=1, description="Processes for tokenising.")
    liger_kernel: bool = Field(
        False,
        description="Liger's fused kernels (RMSNorm, SwiGLU, RoPE, fused linear cross-entropy); "
        "needs the liger-kernel package and a CUDA GPU.",
    )

    @model_validator(mode="after")
    def _check(self) -> TrainConfig:
        if self.trust_remote_code and not self.revision:
            raise ValueError(
                "Setting 'trust_remote_code' needs a pinned revision (give --revision COMMIT) so the code that "
                "runs is the code you reviewed"
            )
        if self.lr_scheduler not in LR_SCHEDULERS:
            raise ValueError(
                f"Setting 'lr_scheduler' must be one of {', '.join(sorted(LR_SCHEDULERS))}"
            )
        if self.optim not in OPTIMIZERS:
            raise ValueError(f"Setting 'optim' must be one of {', '.join(sorted(OPTIMIZERS))}")
        if self.loss_type not in DPO_LOSSES:
            raise ValueError(f"Setting 'loss_type' must be one of {', '.join(sorted(DPO_LOSSES))}")
        if isinstance(self.target_modules, list) and not self.target_modules:
            raise ValueError("Setting 'target_modules' must name at least one module")
        if self.warmup >= 1 and self.warmup != int(self.warmup):
            raise ValueError(
                "Setting 'warmup' of 1 or more is a step count and must be a whole number"
            )
        return self


# Peak learning rates by what is trained and how. An adapter trains a few new weights from
# zero and takes rates about ten times those of full fine-tuning, which moves every pretrained
# weight and is wrecked by adapter rates.
# - full SFT 2e-5: TRL's SFTConfig default (trl/trainer/sft_config.py) and the Alignment
#   Handbook's full SFT recipe (recipes/zephyr-7b-beta/sft/config_full.yaml).
# - full DPO 5e-7: the Alignment Handbook's full DPO recipe (recipes/zephyr-7b-beta/dpo/
#   config_full.yaml); TRL's DPOConfig default is 1e-6.
# - LoRA / QLoRA SFT 2e-4: the QLoRA paper's rate for 7B-13B models, as the seed guide has it.
# - LoRA / QLoRA DPO 5e-6: the Alignment Handbook's QLoRA DPO recipe
#   (recipes/zephyr-7b-beta/dpo/config_qlora.yaml); DPO diverges at SFT rates.
DEFAULT_LR = {
    ("full", "sft"): 2e-5,
    ("full", "dpo"): 5e-7,
    ("adapter", "sft"): 2e-4,
    ("adapter", "dpo"): 5e-6,
}
LR_FAR_OFF = 10.0  # a set rate this many times (or more) above or below the default: a warning


def _lr_kind(adapter: str) -> str:
    return "full" if adapter == "full" else "adapter"


def default_learning_rate(adapter: str, method: str) -> float:
    """The default peak rate for an adapter (as planned: qlora, lora or full) and a method.

    >>> default_learning_rate("full", "sft"), default_learning_rate("qlora", "sft")
    (2e-05, 0.0002)
    >>> default_learning_rate("full", "dpo"), default_learning_rate("lora", "dpo")
    (5e-07, 5e-06)
    """
    return DEFAULT_LR[(_lr_kind(adapter), method)]


def learning_rate(cfg: TrainConfig, method: str, adapter: str | None = None) -> float:
    """The configured rate, else the default for the adapter (as planned) and the method."""
    if cfg.learning_rate is not None:
        return cfg.learning_rate
    return default_learning_rate(adapter or cfg.adapter, method)


def learning_rate_choice(
    cfg: TrainConfig, method: str, adapter: str
) -> tuple[float, str, str | None]:
    """(rate, where it came from, a warning or None) for the preflight."""
    default = default_learning_rate(adapter, method)
    kind = "full fine-tuning" if adapter == "full" else f"adapter {adapter}"
    if cfg.learning_rate is None:
        return default, f"default for {kind} + {method}", None
    rate = cfg.learning_rate
    source = setting_source(cfg, "learning_rate")
    ratio = rate / default
    warning = None
    if max(ratio, 1 / ratio) >= LR_FAR_OFF * 0.999:  # 10x or more off (rounding aside)
        side = "above" if ratio > 1 else "below"
        factor = ratio if ratio > 1 else 1 / ratio
        warning = (
            f"The learning rate {rate:g} ({source}) is {factor:.0f}x {side} the usual {default:g} "
            f"for {kind} + {method}"
            + (
                ": at adapter rates full fine-tuning overwrites what the model knew."
                if adapter == "full" and ratio > 1
                else "."
            )
        )
    return rate, source, warning


def setting_source(cfg: TrainConfig, key: str) -> str:
    """Where a setting's value came from: a config file, --set, the resumed run, or a default."""
    return cfg.sources.get(key, "set in code") if key in cfg.model_fields_set else "default"


def choose_epochs(n_train: int) -> int:
    """Epochs when the config gives none: 2 below 10,000 training samples, 1 from 10,000 on.

    Small curated sets need a second pass for the adapter to pick up the format; on large
    sets a second pass mostly memorises. Early stopping and the best-checkpoint restore guard
    the second epoch either way.

    >>> choose_epochs(300), choose_epochs(9_999), choose_epochs(10_000)
    (2, 2, 1)
    """
    return 2 if n_train < 10_000 else 1


def parse_overrides(items: list[str]) -> dict[str, Any]:
    """Parse ``key=value`` strings; values are read as TOML, else kept as plain text.

    >>> parse_overrides(["lora_r=8", "model=org/name", "bf16=false", "epochs=none"])
    {'lora_r': 8, 'model': 'org/name', 'bf16': False, 'epochs': None}
    """
    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key:
            raise ConfigError(f"--set expects key=value, got '{item}'.")
        out[key] = _parse_value(raw.strip())
    return out


def _parse_value(raw: str) -> Any:
    if raw.lower() in ("none", "null"):
        return None
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def read_toml(path: str | Path) -> dict[str, Any]:
    """Read a train.toml: flat keys, or keys under a [train] table."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"Config file {path} does not exist.") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Config file {path} cannot be read ({exc}).") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Config file {path} is not valid TOML ({exc}).") from exc
    if isinstance(data.get("train"), dict):
        data = {**{k: v for k, v in data.items() if k != "train"}, **data["train"]}
    return data


def build_config(values: dict[str, Any]) -> TrainConfig:
    """Validate settings into a TrainConfig, turning the first problem into one sentence."""
    known = set(TrainConfig.model_fields)
    for key in values:
        if key not in known:
            near = difflib.get_close_matches(key, known, n=1)
            hint = f" Did you mean '{near[0]}'?" if near else ""
            raise ConfigError(f"Unknown setting '{key}'.{hint}")
    try:
        return TrainConfig(**values)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(part) for part in err["loc"])
        msg = str(err["msg"]).removeprefix("Value error, ")
        if where:
            got = err.get("input")
            shown = f" (got {got!r})" if not isinstance(got, dict) else ""
            raise ConfigError(f"Setting '{where}': {msg}{shown}.") from None
        raise ConfigError(f"{msg}.") from None


def load_config(
    path: str | Path | None = None, overrides: dict[str, Any] | None = None
) -> TrainConfig:
    """Settings from a TOML file (optional) with ``overrides`` applied on top."""
    values = read_toml(path) if path else {}
    sources = {key: f"config file {path}" for key in values}
    values.update({k: v for k, v in (overrides or {}).items()})
    sources.update({key: "--set" for key in overrides or {}})
    return with_sources(build_config(values), sources)


def with_sources(cfg: TrainConfig, sources: dict[str, str]) -> TrainConfig:
    """Record where each set value came from (shown by the preflight)."""
    cfg.sources.update(sources)
    return cfg


def config_changes(old: TrainConfig, new: TrainConfig, ignore: frozenset[str]) -> list[str]:
    """Settings that differ between two configs, as 'key: old -> new' lines."""
    a, b = old.model_dump(), new.model_dump()
    return [f"{k}: {a[k]!r} -> {b[k]!r}" for k in a if k not in ignore and a[k] != b[k]]
