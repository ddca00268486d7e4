"""One training run from start to finish: export, preflight, model, trainer, outputs."""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from train import tiny
from train.arguments import (
    CHECKPOINTS,
    checkpoint_interval,
    common_args,
    early_stopping_can_fire,
    estimate_total_steps,
    evaluations_planned,
)
from train.config import (
    TrainConfig,
    build_config,
    choose_epochs,
    config_changes,
    learning_rate,
    learning_rate_choice,
    read_toml,
    with_sources,
)
from train.data import Export, check_files, load_splits, open_export
from train.errors import ConfigError, PreflightRefused
from train.family import base_model_family
from train.files import read_json, write_json_atomic
from train.hardware import detect, make_plan, shape_from_config
from train.model import (
    base_path,
    is_tiny,
    load_config,
    load_model,
    load_tokenizer,
    lora_config,
    prepare_tiny_base,
)
from train.preflight import (
    PreflightReport,
    check_export,
    check_no_rows,
    choose_chat_format,
    dpo_split,
    render_samples,
    sft_split,
)

RUN_CONFIG = "train_config.json"
PREFLIGHT = "preflight.json"
LEDGER = "data_order.jsonl"
RUN_MANIFEST = "run_manifest.json"  # written last: its presence marks a finished run
METRICS = "metrics.json"
RESUME_SAFE = frozenset({"resume", "output_dir"})


@dataclass
class Prepared:
    """What the preflight hands to training."""

    report: PreflightReport
    export: Export
    run_dir: Path
    method: str
    source: str
    tokenizer: Any
    plan: Any
    hardware: Any
    datasets: dict[str, Any] = field(default_factory=dict)
    resume_from: str | None = None


def resolve_config(config_path: str | Path | None, overrides: dict[str, Any]) -> TrainConfig:
    """Settings for `train run`: TOML file, then overrides; with --resume, the run's own settings first."""
    values = read_toml(config_path) if config_path else {}
    sources = {key: f"config file {config_path}" for key in values}
    values.update(overrides)
    sources.update({key: "--set" for key in overrides})
    if values.get("resume") and values.get("output_dir"):
        saved = Path(str(values["output_dir"])) / RUN_CONFIG
        if saved.is_file():
            old = read_json(saved)["config"]
            sources = {**{key: "the resumed run's settings" for key in old}, **sources}
            values = {**old, **values}
    return with_sources(build_config(values), sources)


def resolve_method(cfg: TrainConfig, export: Export) -> str:
    """sft or dpo, checked against what the export holds."""
    method = cfg.method or ("dpo" if export.kind == "preference" else "sft")
    if method == "dpo" and export.kind != "preference":
        raise ConfigError(
            "DPO needs preference pairs, but this export holds SFT samples.", "Use --method sft."
        )
    if method == "sft" and export.kind == "preference":
        raise ConfigError(
            "SFT needs an SFT export, but this export holds preference pairs.", "Use --method dpo."
        )
    return method


def run_dir_for(cfg: TrainConfig, export: Export, method: str) -> Path:
    return (
        Path(cfg.output_dir)
        if cfg.output_dir
        else Path("runs") / f"{export.root.resolve().name}-{method}"
    )


def latest_checkpoint(ckpt_dir: Path) -> str | None:
    """The newest checkpoint whose trainer state was written (the last file a checkpoint gets)."""
    found = []
    for path in ckpt_dir.glob("checkpoint-*"):
        try:
            step = int(path.name.split("-", 1)[1])
            read_json(path / "trainer_state.json")
        except (ValueError, OSError):
            continue
        found.append((step, path))
    return str(max(found)[1]) if found else None


def is_main_process() -> bool:
    """True in a single process, and in rank 0 of a distributed launch."""
    return int(os.environ.get("RANK", "0") or 0) == 0


@contextmanager
def main_process_first() -> Iterator[None]:
    """Run the block in rank 0 first, then in the other ranks (a plain block in one process).

    Ranks start together under `accelerate launch`; what rank 0 writes (the tiny base, the
    run's settings) must exist before the others read it.
    """
    if int(os.environ.get("WORLD_SIZE", "1") or 1) <= 1:
        yield
        return
    import torch
    from accelerate import PartialState

    # the same state the Trainer builds later: gloo across CPU processes, NCCL across GPUs
    with PartialState(cpu=not torch.cuda.is_available()).main_process_first():
        yield


def finished_run(cfg: TrainConfig) -> Path | None:
    """With --resume, the run directory when the run there already finished, else None.

    A finished run has its run_manifest.json (the last file a run writes); resuming it would
    train no step and overwrite its report, so callers show its metrics instead.
    """
    if not cfg.resume:
        return None
    if cfg.output_dir:
        run_dir = Path(cfg.output_dir)
    elif cfg.data:
        export = open_export(cfg.data)
        run_dir = run_dir_for(cfg, export, resolve_method(cfg, export))
    else:
        return None
    return run_dir if (run_dir / RUN_MANIFEST).is_file() else None


def check_run_dir(cfg: TrainConfig, run_dir: Path, export: Export) -> str | None:
    """Refuse to overwrite a run; on --resume, check the settings and find the checkpoint."""
    saved = run_dir / RUN_CONFIG
    if cfg.resume and (run_dir / RUN_MANIFEST).is_file():
        raise ConfigError(
            f"The run in {run_dir} is already complete; there is nothing to resume.",
            f"Its results are in {run_dir / METRICS}; start a new run with another --output-dir.",
        )
    if not cfg.resume:
        if is_main_process() and (saved.is_file() or (run_dir / CHECKPOINTS).exists()):
            raise ConfigError(
                f"{run_dir} already holds a run.",
                "Pass --resume to continue it, or choose another --output-dir.",
            )
        return None
    if not saved.is_file():
        raise ConfigError(f"There is nothing to resume in {run_dir}: no run was started there.")
    started = read_json(saved)
    changes = config_changes(TrainConfig(**started["config"]), cfg, RESUME_SAFE)
    if changes:
        raise ConfigError(f"A resumed run must keep its settings; changed: {'; '.join(changes)}.")
    if started.get("manifest_sha256") != export.manifest_sha256:
        raise ConfigError(
            f"The export's manifest changed since this run started in {run_dir}.",
            "Resume with the export the run started on, or start a new run.",
        )
    return latest_checkpoint(run_dir / CHECKPOINTS)


def refuse(report: PreflightReport, run_dir: Path) -> None:
    """Save the report and raise with its first reason."""
    if is_main_process():
        write_json_atomic(run_dir / PREFLIGHT, report.to_dict())
    first = report.refusals[0]["message"]
    more = len(report.refusals) - 1
    tail = f" ({more} more reason(s) in {run_dir / PREFLIGHT})" if more else ""
    raise PreflightRefused(f"Preflight refused: {first}{tail}", report=report)


Progress = Callable[[str, int], AbstractContextManager[Callable[[int, int], None] | None]]


@contextmanager
def no_progress(label: str, total: int) -> Iterator[None]:
    yield None


def preflight(cfg: TrainConfig, record: bool = True, progress: Progress | None = None) -> Prepared:
    """Check everything, tokenise the data and plan the hardware; raise PreflightRefused if unfit.

    With ``record`` (a run about to start) the settings are saved in the run directory, which
    marks it as started; without, only preflight.json is written. ``progress(label, total)``
    gives a context with a ``tick(done, total)`` callback (or None) for each split tokenised.
    """
    if not cfg.data:
        raise ConfigError("No export directory given.", "Pass --data EXPORT_DIR.")
    if not cfg.model:
        raise ConfigError(
            "No base model given.",
            "Pass --model PATH_OR_HUB_ID, or --model tiny-random for a CPU smoke run.",
        )
    export = open_export(cfg.data)
    method = resolve_method(cfg, export)
    run_dir = run_dir_for(cfg, export, method)
    resume_from = check_run_dir(cfg, run_dir, export)
    smoke = is_tiny(cfg)
    report = PreflightReport(method=method, max_length=cfg.max_length)
    report.model = {"source": cfg.model, "revision": cfg.revision, "smoke_run": smoke}
    if smoke:
        report.notes.append(tiny.SMOKE_NOTE)
    if cfg.resume:
        report.notes.append(
            f"Resuming from {Path(resume_from).name}."
            if resume_from
            else "No complete checkpoint to resume from: training starts again at step 0."
        )
    check_export(
        report, export, check_files(export), cfg, None if smoke else base_model_family(cfg.model)
    )
    run_dir.mkdir(parents=True, exist_ok=True)
    if not report.ok:  # the manifest alone says no: nothing else is worth loading
        refuse(report, run_dir)
    splits = load_splits(export)
    if smoke:
        with main_process_first():
            if is_main_process():
                rows = [row for s in ("train", "validation") if s in splits for row in splits[s]]
                prepare_tiny_base(cfg, run_dir, rows)
    source = base_path(cfg, run_dir)
    tokenizer = load_tokenizer(source, cfg)
    hardware = detect()
    plan = make_plan(cfg, hardware, shape_from_config(load_config(source, cfg)), method)
    report.plan = {**plan.to_dict(), "hardware": hardware.describe()}
    report.notes.extend(plan.notes)
    prepared = _prepare_splits(report, cfg, method, splits, tokenizer, progress or no_progress)
    check_no_rows(report)
    if "train" in prepared:
        render_samples(report, prepared["train"], tokenizer, cfg.preview_samples)
        plan_schedule(report, cfg, method, plan, hardware, prepared)
    if not report.ok:
        refuse(report, run_dir)
    if is_main_process():
        write_json_atomic(run_dir / PREFLIGHT, report.to_dict())
        if record and resume_from is None and not (run_dir / RUN_CONFIG).is_file():
            write_json_atomic(
                run_dir / RUN_CONFIG,
                {
                    "config": cfg.model_dump(),
                    "method": method,
                    "manifest_sha256": export.manifest_sha256,
                },
            )
    return Prepared(
        report, export, run_dir, method, source, tokenizer, plan, hardware, prepared, resume_from
    )


def _prepare_splits(
    report: PreflightReport,
    cfg: TrainConfig,
    method: str,
    splits: dict[str, Any],
    tokenizer: Any,
    progress: Progress,
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if method == "dpo":
        for name in ("train", "validation"):
            if name in splits and len(splits[name]):
                with progress(f"measuring {name} pairs", len(splits[name])) as tick:
                    out[name] = dpo_split(report, name, splits[name], tokenizer, cfg, tick)
        report.chat_template = "the model's own" if tokenizer.chat_template else "none"
        return out
    conversational = (
        any(isinstance(splits["train"][0].get(k), list) for k in ("messages", "prompt"))
        if len(splits["train"])
        else False
    )
    template = None
    if conversational and tokenizer.chat_template is None:
        report.refuse(
            "no_chat_template",
            "The tokenizer has no chat template, so conversations cannot be rendered; use an instruct "
            "model's tokenizer or a model that ships a template.",
        )
        return out
    if conversational:
        template = choose_chat_format(report, tokenizer, cfg)
    else:
        report.chat_template = "not used (text samples)"
        if cfg.assistant_only_loss:
            report.notes.append(
                "Text samples: the loss covers the completion (assistant-only loss needs chats)."
            )
    for name in ("train", "validation"):
        if name in splits and len(splits[name]):
            with progress(f"tokenising {name}", len(splits[name])) as tick:
                out[name] = sft_split(report, name, splits[name], tokenizer, template, cfg, tick)
    return out


def _epochs_and_steps(
    cfg: TrainConfig, method: str, plan: Any, hardware: Any, datasets: dict[str, Any]
) -> tuple[float, int]:
    train = datasets["train"]
    epochs = cfg.epochs or float(choose_epochs(len(train)))
    sequences = len(train)
    if method == "sft" and cfg.packing:
        tokens = sum(min(len(ids), cfg.max_length) for ids in train["input_ids"])
        sequences = max(1, math.ceil(tokens / cfg.max_length))
    total = estimate_total_steps(cfg, plan, sequences, epochs, hardware.world_size)
    return epochs, total


def epochs_and_steps(cfg: TrainConfig, prep: Prepared) -> tuple[float, int]:
    """Epochs (given or chosen from the data size) and the optimizer steps they make."""
    return _epochs_and_steps(cfg, prep.method, prep.plan, prep.hardware, prep.datasets)


def plan_schedule(
    report: PreflightReport,
    cfg: TrainConfig,
    method: str,
    plan: Any,
    hardware: Any,
    datasets: dict[str, Any],
) -> None:
    """Learning rate (and its source), steps, evaluations and checkpoints, in the report."""
    rate, source, warning = learning_rate_choice(cfg, method, plan.adapter)
    epochs, total = _epochs_and_steps(cfg, method, plan, hardware, datasets)
    interval = checkpoint_interval(total, cfg.checkpoint_every, plan.estimated_step_seconds)
    has_eval = "validation" in datasets
    evaluations = evaluations_planned(total, interval) if has_eval else 0
    report.plan["learning_rate"] = rate
    report.plan["learning_rate_source"] = source
    report.plan["schedule"] = {
        "epochs": epochs,
        "total_steps_estimated": total,
        "checkpoint_every": interval,
        "checkpoint_every_source": (
            "checkpoint_every setting"
            if cfg.checkpoint_every
            else "about 10 per run"
            if interval == checkpoint_interval(total)
            else "at most 30 minutes apart at the estimated step time"
        ),
        "checkpoints_planned": evaluations_planned(total, interval),
        "evaluations_planned": evaluations,
        "save_total_limit": cfg.save_total_limit,
        "early_stopping_patience": cfg.early_stopping_patience if has_eval else None,
    }
    if warning:
        report.notes.append(warning)
    if (
        has_eval
        and cfg.early_stopping_patience
        and not early_stopping_can_fire(evaluations, cfg.early_stopping_patience)
    ):
        report.notes.append(
            f"Early stopping cannot fire: {evaluations} evaluation(s) planned, and patience "
            f"{cfg.early_stopping_patience} needs at least {cfg.early_stopping_patience + 1}; "
            "lower checkpoint_every or early_stopping_patience."
        )


def training_kwargs(cfg: TrainConfig, prep: Prepared) -> tuple[dict[str, Any], float]:
    """Trainer arguments for this run, and the epochs chosen."""
    epochs, total = epochs_and_steps(cfg, prep)
    has_eval = "validation" in prep.datasets
    rate = learning_rate(cfg, prep.method, prep.plan.adapter)
    kwargs = common_args(cfg, prep.plan, prep.run_dir, epochs, total, has_eval, rate)
    return kwargs, epochs


def peft_config_for(cfg: TrainConfig, plan: Any) -> Any:
    return lora_config(cfg) if plan.adapter in ("lora", "qlora") else None


def base_model(cfg: TrainConfig, prep: Prepared) -> Any:
    return load_model(prep.source, cfg, prep.plan)
