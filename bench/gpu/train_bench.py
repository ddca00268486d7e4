#!/usr/bin/env python3
"""GPU benchmark: the seed guide's QLoRA recipe versus `train run`, side by side, on the same data.

Builds a random-weight model of Llama-3-8B's shape with the 8,000-token vocabulary of the shared
anchors (`--model-vocab 128256` for Llama-3's own; saved once, reloaded through
`from_pretrained`), alpaca-length instruction data written as a curate export directory, and
then runs, each in its own process so peak memory is measured per arm:

  seed   the seed recipe: QLoRA NF4 + double quantisation, batch 4, gradient checkpointing,
         paged 8-bit AdamW, no packing (plain TRL SFTTrainer)
  qlora  `train run --adapter qlora` (packing with bfd, the trainer's defaults)
  auto   `train run --adapter auto` (the trainer picks adapter, batch and checkpointing)

`--variant NAME:key=value,...` adds an arm that runs `train run` with those settings (any
TrainConfig field, for example `--variant q-b8:adapter=qlora,per_device_batch_size=8`), so one
GPU session can compare several settings.

It prints real (non-padding) tokens per second over the timed micro-batches and the peak GPU
memory of each arm, and writes the figures as JSON. `--tiny` runs the same path on a CPU
with a tiny shape (4-bit and paged optimizers are swapped for CPU ones): a dry run that keeps
the script working, not a measurement. See bench/gpu/README.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # `train` and `curate` come from the working tree
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))  # kernel_profile beside this file

SHAPES: dict[str, dict[str, Any]] = {
    "llama3-8b": {
        "vocab_size": 128256,
        "hidden_size": 4096,
        "intermediate_size": 14336,
        "num_hidden_layers": 32,
        "num_attention_heads": 32,
        "num_key_value_heads": 8,
        "max_position_embeddings": 8192,
        "rms_norm_eps": 1e-5,
    },
    "tiny": {
        "vocab_size": 1024,
        "hidden_size": 64,
        "intermediate_size": 128,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "max_position_embeddings": 2048,
        "rms_norm_eps": 1e-5,
    },
}
ARMS = ("seed", "qlora", "auto")
GOALS = {"qlora_tokens_per_s": 8000, "seed_peak_gib": 23.7, "auto_tokens_per_s": 12500}
GIB = 1024**3
# the shared instruction-data anchors (791 and 4,863 real tokens/s) used an 8,000-token BPE
ANCHOR_VOCAB = 8000

TERMS_TEXT = """
table partition schema pipeline warehouse lakehouse parquet column row index query join
window aggregate dedupe merge upsert snapshot incremental batch stream kafka topic offset
consumer producer spark executor shuffle broadcast airflow dag task retry sensor dbt model
test source seed macro postgres snowflake bigquery redshift duckdb iceberg delta hudi
compaction vacuum cluster bucket key latency throughput backfill lineage contract freshness
null unique primary foreign constraint type timestamp timezone date string integer decimal
json array struct map cast coalesce filter select group order limit distinct union cte
subquery view materialized cache spill memory disk cpu node
"""


# ---------------------------------------------------------------- data and model (prepared once)


def _vocabulary(rng: random.Random, size: int = 1500) -> list[str]:
    syllables = str.split("ka to ri men sa lo dar pe qu zin tor ba el fi nu")
    words = str.split(TERMS_TEXT)
    while len(words) < size:
        words.append("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))))
    return words


def _text(rng: random.Random, words: list[str], n: int) -> str:
    out = []
    for i in range(n):
        out.append(rng.choice(words))
        if i % 14 == 13:
            out[-1] += "."
    return " ".join(out).capitalize()


def alpaca_rows(n: int, seed: int = 0) -> list[dict[str, Any]]:
    """Instruction data with alpaca-like lengths: short instructions, optional inputs, long-tailed answers."""
    rng = random.Random(seed)
    words = _vocabulary(rng)
    rows = []
    for i in range(n):
        instruction = _text(rng, words, rng.randint(6, 30))
        if rng.random() < 0.4:
            instruction += "\n\n" + _text(
                rng, words, int(min(300, max(5, rng.lognormvariate(3.5, 0.7))))
            )
        answer = _text(rng, words, int(min(1200, max(3, rng.lognormvariate(math.log(110), 0.8)))))
        rows.append(
            {
                "id": f"bench-{i:05d}",
                "messages": [
                    {"role": "user", "content": instruction},
                    {"role": "assistant", "content": answer},
                ],
            }
        )
    return rows


def write_export(root: Path, rows: list[dict[str, Any]]) -> None:
    """The rows as a curate export directory (train split only, so no evaluation is timed)."""
    root.mkdir(parents=True, exist_ok=True)
    path = root / "train.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    manifest = {
        "tool": "curate-ft",
        "format": "trl",
        "kind": "sft",
        "files": {
            "train": {
                "path": path.name,
                "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                "rows": len(rows),
            }
        },
        "counts": {"train": len(rows)},
        "synthetic_share": {"train": 0.0, "overall": 0.0},
        "max_synthetic_share": 0.3,
        "generators": [],
    }
    (root / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")


def model_dir_for(work: Path, shape: str, model_vocab: int | None) -> Path:
    return work / (f"model-{shape}" if model_vocab is None else f"model-{shape}-v{model_vocab}")


def prepare(
    work: Path, shape: str, samples: int, vocab: int, model_vocab: int | None = None
) -> dict[str, Any]:
    """Build (once) the random model and its tokenizer, and the export directory.

    The model's vocabulary is the shape's (128,256 for Llama-3) unless ``model_vocab`` is given
    (8,000 matches the shared anchor figures on instruction data); never below the tokenizer's.
    """
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    from train.tiny import build_tokenizer, corpus

    model_dir, export = model_dir_for(work, shape, model_vocab), work / f"export-{samples}"
    marker = model_dir / "bench_ready.json"
    rows = alpaca_rows(samples)
    if not (export / "manifest.json").is_file():
        write_export(export, rows)
    if marker.is_file():
        return json.loads(marker.read_text(encoding="utf-8"))
    started = time.perf_counter()
    tokenizer = build_tokenizer(corpus(rows), vocab_size=vocab)
    dims = dict(SHAPES[shape])
    dims["vocab_size"] = max(model_vocab or dims["vocab_size"], len(tokenizer))
    config = LlamaConfig(
        **dims,
        tie_word_embeddings=False,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        bos_token_id=None,
    )
    cuda = torch.cuda.is_available()
    torch.manual_seed(0)
    with torch.device("cuda" if cuda else "cpu"):
        model = LlamaForCausalLM._from_config(
            config, dtype=torch.bfloat16 if cuda else torch.float32
        )
    model.save_pretrained(str(model_dir), max_shard_size="5GB")
    tokenizer.save_pretrained(str(model_dir))
    params = sum(p.numel() for p in model.parameters())
    info = {
        "shape": shape,
        "params": params,
        "tokenizer_vocab": len(tokenizer),
        "model_vocab": dims["vocab_size"],
        "build_and_save_s": round(time.perf_counter() - started, 1),
        "samples": samples,
    }
    marker.write_text(json.dumps(info), encoding="utf-8")
    return info


# ---------------------------------------------------------------- timing


def _timer(warmup_steps: int, last_step: int | None = None) -> Any:
    import torch
    from transformers import TrainerCallback

    class Timer(TrainerCallback):
        """Wall time at the end of each optimizer step and TRL's count of real tokens so far."""

        def __init__(self) -> None:
            self.times: dict[int, float] = {}
            self.tokens: dict[int, float] = {}

        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            if torch.cuda.is_available():
                torch.cuda.synchronize()
            self.times[state.global_step] = time.perf_counter()

        def on_log(
            self, args: Any, state: Any, control: Any, logs: Any = None, **kwargs: Any
        ) -> None:
            if logs and "num_tokens" in logs:
                self.tokens[state.global_step] = float(logs["num_tokens"])

        def result(self) -> dict[str, Any]:
            last = max(self.times) if last_step is None else min(max(self.times), last_step)
            first = min(warmup_steps, last - 1)
            tokens = self.tokens[last] - self.tokens[first]
            seconds = self.times[last] - self.times[first]
            return {
                "timed_steps": last - first,
                "real_tokens": int(tokens),
                "seconds": round(seconds, 3),
                "real_tokens_per_s": round(tokens / seconds, 1) if seconds > 0 else None,
            }

    return Timer()


def _callbacks(a: argparse.Namespace, warm: int, timed: int) -> tuple[Any, list[Any]]:
    """The timer over the timed steps and, with --profile, a profiler over the step after."""
    timer = _timer(warm, warm + timed)
    if not a.profile:
        return timer, [timer]
    from kernel_profile import profile_callback

    return timer, [timer, profile_callback(warm + timed)]


def _profiled(callbacks: list[Any]) -> dict[str, Any]:
    for callback in callbacks:
        if hasattr(callback, "report"):
            return callback.report()
    return {}


def _memory() -> dict[str, float | None]:
    import torch

    if not torch.cuda.is_available():
        return {"peak_allocated_gib": None, "peak_reserved_gib": None}
    return {
        "peak_allocated_gib": round(torch.cuda.max_memory_allocated() / GIB, 2),
        "peak_reserved_gib": round(torch.cuda.max_memory_reserved() / GIB, 2),
    }


def _steps(micro: int, accumulation: int) -> int:
    return max(1, math.ceil(micro / accumulation))


# ---------------------------------------------------------------- arms


def run_seed(a: argparse.Namespace, model_dir: Path, export: Path) -> dict[str, Any]:
    """The seed guide's recipe with plain TRL: QLoRA NF4, batch 4, checkpointing, paged 8-bit AdamW."""
    import torch
    from datasets import Dataset
    from peft import LoraConfig
    from transformers import AutoModelForCausalLM, AutoTokenizer, BitsAndBytesConfig
    from trl import SFTConfig, SFTTrainer

    from train.data import read_rows

    cuda = torch.cuda.is_available()
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    ds = Dataset.from_list([{"messages": r["messages"]} for r in read_rows(export / "train.jsonl")])
    started = time.perf_counter()
    extra = {"attn_implementation": a.attn} if a.attn else {}
    if cuda:
        quant = BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=torch.bfloat16,
        )
        model = AutoModelForCausalLM.from_pretrained(
            str(model_dir),
            quantization_config=quant,
            dtype=torch.bfloat16,
            device_map={"": 0},
            use_safetensors=True,
            **extra,
        )
        optim, bf16 = "paged_adamw_8bit", True
    else:  # dry run: the same recipe without 4-bit weights or a paged optimizer
        model = AutoModelForCausalLM.from_pretrained(
            str(model_dir), dtype=torch.float32, use_safetensors=True, **extra
        )
        optim, bf16 = "adamw_torch", False
    load_s = time.perf_counter() - started
    warm, timed = _steps(a.warmup_micro, 1), _steps(a.timed_micro, 1)
    args = SFTConfig(
        output_dir=str(a.work / "seed-out"),
        per_device_train_batch_size=4,
        gradient_accumulation_steps=1,
        gradient_checkpointing=True,
        optim=optim,
        learning_rate=2e-4,
        lr_scheduler_type="cosine",
        warmup_steps=0.1,
        max_grad_norm=0.3,
        bf16=bf16,
        use_cpu=not cuda,
        max_length=a.max_length,
        packing=False,
        max_steps=warm + timed + int(a.profile),
        logging_steps=1,
        save_strategy="no",
        report_to="none",
        disable_tqdm=True,
        seed=42,
    )
    lora = LoraConfig(
        r=16, lora_alpha=32, lora_dropout=0.05, target_modules="all-linear", task_type="CAUSAL_LM"
    )
    timer, callbacks = _callbacks(a, warm, timed)
    trainer = SFTTrainer(
        model=model,
        args=args,
        train_dataset=ds,
        processing_class=tokenizer,
        peft_config=lora,
        callbacks=callbacks,
    )
    trainer.train()
    return {
        "recipe": "QLoRA NF4 + double quant, batch 4, gradient checkpointing, paged 8-bit AdamW, no packing"
        if cuda
        else "dry run: LoRA fp32, batch 4, gradient checkpointing, adamw_torch, no packing",
        "load_s": round(load_s, 1),
        **timer.result(),
        **_memory(),
        **_profiled(callbacks),
    }


def parse_variant(spec: str) -> tuple[str, dict[str, Any]]:
    """``NAME:key=value,key=value`` -> (NAME, settings); the settings are TrainConfig fields.

    >>> parse_variant("q-b8:adapter=qlora,per_device_batch_size=8")
    ('q-b8', {'adapter': 'qlora', 'per_device_batch_size': 8})
    """
    from train.config import parse_overrides

    name, _, rest = spec.partition(":")
    name = name.strip()
    if not name or name in ARMS or not name.replace("-", "").replace("_", "").isalnum():
        raise ValueError(f"variant name '{name}' must be a new word (letters, digits, - and _)")
    settings = parse_overrides([item for item in rest.split(",") if item.strip()])
    settings.setdefault("adapter", "qlora")
    return name, settings


def run_train(
    a: argparse.Namespace, model_dir: Path, export: Path, name: str, extra: dict[str, Any]
) -> dict[str, Any]:
    """`train run` through its library entry points (the CLI's own path, without the typer layer)."""
    from train.config import build_config
    from train.fit import fit, quiet_libraries
    from train.runner import preflight

    quiet_libraries()
    settings: dict[str, Any] = {
        "data": str(export),
        "model": str(model_dir),
        "output_dir": str(a.work / f"run-{name}-{int(time.time())}"),
        "max_length": a.max_length,
        "logging_steps": 1,
        "preview_samples": 0,
        "save_total_limit": 1,
    }
    if a.attn:
        settings["attn_implementation"] = a.attn
    settings.update(extra)
    cfg = build_config(settings)
    prep = preflight(cfg)
    plan = prep.plan
    warm = _steps(a.warmup_micro, plan.gradient_accumulation_steps)
    timed = _steps(a.timed_micro, plan.gradient_accumulation_steps)
    cfg = cfg.model_copy(update={"max_steps": warm + timed + int(a.profile)})
    timer, callbacks = _callbacks(a, warm, timed)
    started = time.perf_counter()
    fit(cfg, prep, callbacks=callbacks)
    stats = prep.report.splits["train"]
    return {
        "recipe": f"train run {_describe(extra)}: {plan.adapter}, batch {plan.per_device_batch_size} x "
        f"{plan.gradient_accumulation_steps}, checkpointing {'on' if plan.gradient_checkpointing else 'off'}, "
        f"{plan.optim}, packing {cfg.packing_strategy if cfg.packing else 'off'}",
        "plan": plan.to_dict(),
        "mean_tokens_per_sample": stats.mean_tokens,
        "run_s": round(time.perf_counter() - started, 1),
        **timer.result(),
        **_memory(),
        **_profiled(callbacks),
    }


def _describe(settings: dict[str, Any]) -> str:
    return " ".join(
        f"--adapter {v}" if k == "adapter" else f"--set {k}={v}" for k, v in settings.items()
    )


def run_arm(a: argparse.Namespace) -> None:
    """Child process: one arm, its figures written as JSON to --result."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    import torch

    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    elif a.tiny:
        torch.set_num_threads(1)  # tiny shapes gain nothing from threads
    export = a.work / f"export-{a.samples}"
    if a.arm == "seed":
        out = run_seed(a, a.model_dir, export)
    elif a.arm in ARMS:
        out = run_train(a, a.model_dir, export, a.arm, {"adapter": a.arm})
    else:
        out = run_train(a, a.model_dir, export, a.arm, dict(a.variants)[a.arm])
    a.result.write_text(json.dumps(out, indent=2, default=str), encoding="utf-8")


# ---------------------------------------------------------------- orchestration


def _child(
    a: argparse.Namespace, step: str, extra: list[str], timeout: int | None = None
) -> tuple[int, str]:
    cmd = [
        sys.executable,
        __file__,
        "--step",
        step,
        "--work",
        str(a.work),
        "--max-length",
        str(a.max_length),
        "--samples",
        str(a.samples),
        "--warmup-micro",
        str(a.warmup_micro),
        "--timed-micro",
        str(a.timed_micro),
        *extra,
    ]
    if a.attn:
        cmd += ["--attn", a.attn]
    for spec in a.variant:
        cmd += ["--variant", spec]
    if not a.profile:
        cmd.append("--no-profile")
    if a.model_vocab:
        cmd += ["--model-vocab", str(a.model_vocab)]
    if a.tiny:
        cmd.append("--tiny")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    try:
        proc = subprocess.run(
            cmd, env=env, capture_output=True, text=True, timeout=timeout or a.arm_timeout
        )
    except subprocess.TimeoutExpired as exc:
        tail = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else ""
        return 124, f"{tail[-2500:]}\nstopped after {exc.timeout:.0f} s (--arm-timeout)"
    return proc.returncode, (proc.stderr or proc.stdout)[-3000:]


def _environment() -> dict[str, Any]:
    import logging

    import torch

    logging.getLogger("bitsandbytes").setLevel(logging.ERROR)
    out: dict[str, Any] = {"python": sys.version.split()[0], "torch": torch.__version__}
    for name in ("transformers", "trl", "peft", "bitsandbytes", "accelerate", "datasets"):
        try:
            out[name] = __import__(name).__version__
        except Exception:  # a missing or broken package is itself a finding
            out[name] = None
    out["device"] = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu"
    return out


def report_lines(results: dict[str, Any], tiny: bool) -> list[str]:
    """The side-by-side table and the goals, as text lines."""
    lines = [
        f"{'arm':<10} {'real tokens/s':>14} {'peak alloc GiB':>15} {'peak resv GiB':>14}  recipe"
    ]
    for arm, r in results["arms"].items():
        if "error" in r:
            lines.append(
                f"{arm:<10} {'failed':>14}  {r['error'].splitlines()[-1] if r['error'] else ''}"
            )
            continue
        tps = r.get("real_tokens_per_s")
        lines.append(
            f"{arm:<10} {tps if tps is not None else 'n/a':>14} {_gib(r['peak_allocated_gib']):>15} "
            f"{_gib(r['peak_reserved_gib']):>14}  {r['recipe']}"
        )
    for arm, r in results["arms"].items():
        profile = r.get("profile")
        if profile:
            shares = ", ".join(
                f"{k} {v:.0%}" for k, v in list(profile["share_by_category"].items())[:5]
            )
            lines.append(
                f"{arm}: one step's {profile['clock']} time ({profile['total_ms']} ms): {shares}"
            )
    if tiny:
        lines.append(
            "DRY RUN (--tiny): tiny shape on the CPU; the figures say nothing about GPU speed."
        )
        return lines
    arms = results["arms"]
    q, auto, seed = arms.get("qlora", {}), arms.get("auto", {}), arms.get("seed", {})
    if q.get("real_tokens_per_s") is not None:
        lines.append(
            f"goal: train run qlora >= {GOALS['qlora_tokens_per_s']:,} real tokens/s at <= "
            f"{GOALS['seed_peak_gib']} GiB: {q['real_tokens_per_s']:,.0f} at {_gib(q['peak_allocated_gib'])} GiB"
        )
    if auto.get("real_tokens_per_s") is not None:
        lines.append(
            f"goal: auto >= {GOALS['auto_tokens_per_s']:,} real tokens/s: {auto['real_tokens_per_s']:,.0f}"
        )
    if seed.get("real_tokens_per_s") is not None and q.get("real_tokens_per_s"):
        lines.append(
            f"train run qlora / seed recipe: {q['real_tokens_per_s'] / seed['real_tokens_per_s']:.1f}x"
        )
    return lines


def _gib(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tiny", action="store_true", help="CPU dry run with a tiny shape")
    p.add_argument(
        "--work", type=Path, default=Path(os.environ.get("BENCH_WORK", "/tmp/train-bench"))
    )
    p.add_argument("--out", type=Path, default=None, help="JSON file for the results")
    p.add_argument(
        "--arms", default=",".join(ARMS), help="comma-separated subset of seed,qlora,auto"
    )
    p.add_argument(
        "--samples", type=int, default=None, help="instruction samples (default 1000, tiny 64)"
    )
    p.add_argument(
        "--max-length", type=int, default=None, help="sequence length (default 2048, tiny 256)"
    )
    p.add_argument(
        "--warmup-micro", type=int, default=None, help="micro-batches before timing (default 4)"
    )
    p.add_argument("--timed-micro", type=int, default=None, help="micro-batches timed (default 12)")
    p.add_argument(
        "--attn",
        default=None,
        help="attention implementation for every arm (default: transformers')",
    )
    p.add_argument(
        "--variant",
        action="append",
        default=[],
        help="NAME:key=value,... an extra `train run` arm with these settings (repeatable)",
    )
    p.add_argument(
        "--arm-timeout",
        type=int,
        default=None,
        help="seconds one arm may run on a GPU before it is stopped (default 240)",
    )
    p.add_argument(
        "--model-vocab",
        type=int,
        default=None,
        help="model vocabulary (default 8000 as in the shared instruction-data anchors; "
        "128256 for Llama-3's own, a stricter memory check)",
    )
    p.add_argument(
        "--no-profile",
        dest="profile",
        action="store_false",
        help="skip the torch.profiler step that follows the timed ones in each arm",
    )
    p.add_argument(
        "--isolate",
        action="store_true",
        help="with --tiny: run each step in its own process with its timeout, as on a GPU",
    )
    p.add_argument("--step", default=None, help=argparse.SUPPRESS)
    p.add_argument("--model-dir", type=Path, default=None, help=argparse.SUPPRESS)
    p.add_argument("--result", type=Path, default=None, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    a.samples = a.samples or (64 if a.tiny else 1000)
    a.max_length = a.max_length or (256 if a.tiny else 2048)
    a.warmup_micro = a.warmup_micro if a.warmup_micro is not None else (2 if a.tiny else 4)
    a.timed_micro = a.timed_micro or (4 if a.tiny else 12)
    a.arm_timeout = a.arm_timeout or 240
    if a.model_vocab is None and not a.tiny:
        a.model_vocab = ANCHOR_VOCAB
    try:
        a.variants = [parse_variant(spec) for spec in a.variant]
    except ValueError as exc:
        p.error(str(exc))
    shape = "tiny" if a.tiny else "llama3-8b"
    a.work.mkdir(parents=True, exist_ok=True)

    if a.step == "prepare":
        prepare(a.work, shape, a.samples, 512 if a.tiny else 8000, a.model_vocab)
        return 0
    if a.step in ARMS or a.step in dict(a.variants):
        a.arm = a.step
        run_arm(a)
        return 0

    arms = [x for x in a.arms.split(",") if x] + [name for name, _ in a.variants]
    unknown = set(arms) - set(ARMS) - {name for name, _ in a.variants}
    if unknown:
        p.error(f"unknown arm(s): {', '.join(sorted(unknown))}")
    results: dict[str, Any] = {"shape": shape, "dry_run": a.tiny, "arms": {}}
    model_dir = model_dir_for(a.work, shape, a.model_vocab)
    # on a GPU each step gets its own process (clean peak memory); the dry run stays in this
    # one unless --isolate asks for the GPU's process layout
    isolate = a.isolate or not a.tiny
    if not isolate:
        prepare(a.work, shape, a.samples, 512, a.model_vocab)
    else:
        code, tail = _child(a, "prepare", [], timeout=2 * a.arm_timeout)
        if code != 0:
            print(f"preparing the model and data failed:\n{tail}", file=sys.stderr)
            return 1
    results["model"] = json.loads((model_dir / "bench_ready.json").read_text(encoding="utf-8"))
    for arm in arms:
        result = a.work / f"result-{arm}.json"
        result.unlink(missing_ok=True)
        started = time.perf_counter()
        if not isolate:
            a.arm, a.model_dir, a.result = arm, model_dir, result
            code, tail = 0, ""
            run_arm(a)
        else:
            code, tail = _child(a, arm, ["--model-dir", str(model_dir), "--result", str(result)])
        if code == 0 and result.is_file():
            results["arms"][arm] = json.loads(result.read_text(encoding="utf-8"))
        else:
            results["arms"][arm] = {"error": tail}
        results["arms"][arm]["wall_s"] = round(time.perf_counter() - started, 1)
        print(f"{arm}: done in {results['arms'][arm]['wall_s']} s", flush=True)
    results["environment"] = _environment()  # after the arms: no CUDA context held while they run
    lines = report_lines(results, a.tiny)
    results["summary"] = lines
    print("\n".join(lines))
    if a.out:
        a.out.parent.mkdir(parents=True, exist_ok=True)
        a.out.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    return 0 if all("error" not in r for r in results["arms"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
