"""The `train` command line: run, eval, merge and accelerate-config."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from curate.cli.output import literal_help, version_callback
from curate.cli.terminal import InertConsole
from curate.errors import CurateError

app = typer.Typer(
    name="train",
    help="Train an adapter (SFT or DPO, QLoRA or LoRA) on a curated export directory.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
# Data shown by the views in train/show.py (rendered samples, reasons) cannot command the
# terminal: control characters are written visibly (see curate.inert); --json is exact.
out = InertConsole()
err = InertConsole(stderr=True)


@app.callback()
def main(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=version_callback("train"),
            is_eager=True,
            help="Show the version and exit.",
        ),
    ] = False,
) -> None:
    """Train an adapter (SFT or DPO, QLoRA or LoRA) on a curated export directory."""


@contextmanager
def domain_errors() -> Iterator[None]:
    """Turn domain errors into one sentence and an exit code; never a traceback for bad input."""
    try:
        yield
    except CurateError as exc:
        err.print(f"Error: {exc}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        err.print(
            "Interrupted. Checkpoints are kept: continue with `train run --resume --output-dir RUN_DIR`."
        )
        raise typer.Exit(130) from None
    except typer.Exit:
        raise
    except Exception as exc:
        if os.environ.get("TRAIN_TRACEBACK"):
            raise
        err.print(
            f"Error: {type(exc).__name__}: {exc} (set TRAIN_TRACEBACK=1 to see where it failed)",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(1) from None


@app.command(
    "run",
    epilog="Examples: train run --data out/export --model tiny-random --max-steps 20  |  "
    "train run --config train.toml --set lora_r=32  |  train run --output-dir runs/a --resume",
)
def run_cmd(
    config: Annotated[
        Path | None, typer.Option("--config", help="TOML file of settings (train.toml).")
    ] = None,
    data: Annotated[
        str | None, typer.Option("--data", help="Export directory (curate export --format trl).")
    ] = None,
    model: Annotated[
        str | None, typer.Option("--model", help="Local path, hub id, or tiny-random.")
    ] = None,
    method: Annotated[
        str | None, typer.Option("--method", help="sft or dpo (default: from the export).")
    ] = None,
    adapter: Annotated[
        str | None, typer.Option("--adapter", help="qlora, lora, full or auto.")
    ] = None,
    max_steps: Annotated[
        int | None, typer.Option("--max-steps", help="Stop after N optimizer steps.")
    ] = None,
    output_dir: Annotated[str | None, typer.Option("--output-dir", help="Run directory.")] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue from the last checkpoint.")
    ] = False,
    allow_same_family: Annotated[
        bool,
        typer.Option(
            "--allow-same-family", help="Train even if the base shares the generator's family."
        ),
    ] = False,
    trust_remote_code: Annotated[
        bool,
        typer.Option("--trust-remote-code", help="Run the model's own code (needs --revision)."),
    ] = False,
    revision: Annotated[
        str | None, typer.Option("--revision", help="Pin the hub revision.")
    ] = None,
    sets: Annotated[
        list[str] | None, typer.Option("--set", help="Override any setting: key=value.")
    ] = None,
    preflight_only: Annotated[
        bool, typer.Option("--preflight-only", help="Check and report, do not train.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Preflight, then train, then write the adapter, tokenizer, report and run manifest."""
    with domain_errors():
        from train.config import parse_overrides
        from train.runner import resolve_config

        overrides = parse_overrides(sets or [])
        named = {
            "data": data,
            "model": model,
            "method": method,
            "adapter": adapter,
            "max_steps": max_steps,
            "output_dir": output_dir,
            "revision": revision,
        }
        overrides.update({k: v for k, v in named.items() if v is not None})
        for flag, key in (
            (resume, "resume"),
            (allow_same_family, "allow_same_family"),
            (trust_remote_code, "trust_remote_code"),
        ):
            if flag:
                overrides[key] = True
        cfg = resolve_config(config, overrides)
        from train.runner import finished_run

        done = finished_run(cfg)
        if done is not None:
            _already_complete(done, as_json)
            return
        from train.fit import quiet_libraries

        quiet_libraries()
        from train import show
        from train.fit import fit
        from train.runner import is_main_process, preflight

        # under `accelerate launch` every rank runs this; only rank 0 speaks
        main_rank = is_main_process()
        silent = Console(quiet=True)
        view = (err if as_json else out) if main_rank else silent
        progress = err if main_rank else silent
        try:
            from curate.cli.output import record_progress

            prep = preflight(
                cfg, record=not preflight_only, progress=record_progress if main_rank else None
            )
        except CurateError as exc:
            report = getattr(exc, "report", None)
            if report is not None:
                show.preflight(view, report)
            raise
        show.preflight(view, prep.report)
        if preflight_only:
            if as_json and main_rank:
                print(json.dumps(prep.report.to_dict(), indent=2, default=str))
            return
        result = fit(cfg, prep, progress)
        if not main_rank:
            return
        if as_json:
            print(
                json.dumps(
                    {
                        "run_dir": str(result.run_dir),
                        "metrics": result.metrics["final"],
                        "overfitting_warning": result.metrics["overfitting_warning"],
                    },
                    indent=2,
                    default=str,
                )
            )
        else:
            show.result(out, result)


def _already_complete(run_dir: Path, as_json: bool) -> None:
    """--resume of a run that already finished: say so and show its metrics; train nothing."""
    from train import show
    from train.rundir import run_metrics

    metrics = run_metrics(run_dir)
    if as_json:
        print(
            json.dumps(
                {
                    "run_dir": str(run_dir),
                    "already_complete": True,
                    "metrics": metrics.get("final"),
                    "overfitting_warning": metrics.get("overfitting_warning"),
                },
                indent=2,
                default=str,
            )
        )
    else:
        show.completed(out, run_dir, metrics)


@app.command("eval", epilog="Example: train eval runs/export-sft --max-samples 10")
def eval_cmd(
    run_dir: Annotated[Path, typer.Argument(help="Run directory written by train run.")],
    data: Annotated[
        str | None, typer.Option("--data", help="Export directory (default: the run's).")
    ] = None,
    split: Annotated[str, typer.Option("--split", help="Split to evaluate on.")] = "test",
    max_samples: Annotated[
        int, typer.Option("--max-samples", min=1, help="Answers to generate.")
    ] = 20,
    max_new_tokens: Annotated[
        int, typer.Option("--max-new-tokens", min=1, help="Tokens per answer.")
    ] = 128,
    rubric: Annotated[
        str | None,
        typer.Option("--rubric", help="Rubric YAML whose answer checks judge the answers."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Compare base and tuned model: perplexity, format checks, rubric checks, answers side by side."""
    with domain_errors():
        from train.rundir import open_run

        open_run(run_dir)  # fail fast, before the heavy imports
        from train.fit import quiet_libraries

        quiet_libraries()
        from curate.cli.output import record_progress
        from train import show
        from train.evaluate import evaluate_run

        # every answer is slow on a real model: a bar from the first one
        with record_progress("generating answers", max_samples, min_total=1) as tick:
            report = evaluate_run(
                run_dir, data, split, max_samples, max_new_tokens, rubric=rubric, tick=tick
            )
        if as_json:
            print(json.dumps(report, indent=2, default=str))
        else:
            show.evaluation(out, report)


@app.command("merge", epilog="Example: train merge runs/export-sft -o merged/")
def merge_cmd(
    run_dir: Annotated[Path, typer.Argument(help="Run directory written by train run.")],
    output: Annotated[
        Path, typer.Option("-o", "--output", help="New directory for the merged model.")
    ],
    dtype: Annotated[str, typer.Option("--dtype", help="bf16, fp16 or fp32.")] = "bf16",
) -> None:
    """Merge the adapter into the base model (safetensors), for vLLM or another server."""
    with domain_errors():
        from train.rundir import open_run

        open_run(run_dir)
        from train.fit import quiet_libraries

        quiet_libraries()
        from train.merge import merge_run

        path = merge_run(run_dir, output, dtype)
        out.print(f"merged model written to {path}", highlight=False)


@app.command(
    "accelerate-config", epilog="Example: train accelerate-config --kind zero3 -o zero3.yaml"
)
def accelerate_config_cmd(
    kind: Annotated[str, typer.Option("--kind", help="zero2, zero3 or fsdp.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="YAML file to write.")],
    num_processes: Annotated[
        int | None, typer.Option("--num-processes", help="GPUs (default: all visible).")
    ] = None,
) -> None:
    """Write an accelerate config for multi-GPU training (accelerate launch --config_file FILE)."""
    with domain_errors():
        from train.launch import write_accelerate_config

        path = write_accelerate_config(kind, output, num_processes)
        out.print(
            f"wrote {path}; launch with: accelerate launch --config_file {path} $(which train) run ...",
            highlight=False,
        )
        import importlib.util

        if kind.startswith("zero") and importlib.util.find_spec("deepspeed") is None:
            err.print(
                "note: DeepSpeed is not installed here; `pip install deepspeed` before launching "
                "(or use --kind fsdp, which needs nothing more).",
                highlight=False,
            )


# `train openai`: managed fine-tuning on OpenAI's servers (train/openai_cli.py)
from train.openai_cli import app as _openai_app  # noqa: E402

app.add_typer(_openai_app, name="openai")

from train.ab_cli import ab_app  # noqa: E402 - the `train ab` group lives in its own module

app.add_typer(ab_app, name="ab")
literal_help(app)


def run() -> None:
    """Console-script entry point (also `python -m train.cli`, e.g. under accelerate launch)."""
    app(prog_name="train")


if __name__ == "__main__":  # pragma: no cover
    run()
