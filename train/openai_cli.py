"""`train openai`: fine-tune on OpenAI's servers from an openai-jsonl export (no GPU needed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from curate.cli.terminal import InertConsole
from curate.errors import CurateError, UsageError
from curate.providers.pricing import dollars

DEFAULT_MODEL = "gpt-4o-mini-2024-07-18"

app = typer.Typer(
    name="openai",
    help="Fine-tune an OpenAI model on a `curate export --format openai-jsonl` folder.",
    invoke_without_command=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
out = InertConsole()
err = InertConsole(stderr=True)


@app.callback(
    invoke_without_command=True,
    epilog="Examples: train openai --data exports/openai --dry-run  |  "
    "train openai --data exports/openai --model gpt-4o-mini-2024-07-18 --max-cost 5 "
    "--output-dir runs/oai  |  train openai --data exports/openai --output-dir runs/oai --resume  "
    "|  train openai cancel runs/oai",
)
def main(
    ctx: typer.Context,
    data: Annotated[
        Path | None,
        typer.Option("--data", help="Export folder (curate export --format openai-jsonl)."),
    ] = None,
    model: Annotated[str, typer.Option("--model", help="Base model to fine-tune.")] = DEFAULT_MODEL,
    output_dir: Annotated[
        Path | None,
        typer.Option("--output-dir", help="Where run_manifest.json goes (default runs/openai-EXPORT)."),
    ] = None,
    n_epochs: Annotated[
        int | None, typer.Option("--n-epochs", min=1, help="Epochs (default: OpenAI's auto).")
    ] = None,
    batch_size: Annotated[
        int | None, typer.Option("--batch-size", min=1, help="Batch size (default: auto).")
    ] = None,
    lr_multiplier: Annotated[
        float | None,
        typer.Option("--learning-rate-multiplier", min=0.0, help="Default: auto."),
    ] = None,
    suffix: Annotated[
        str | None, typer.Option("--suffix", help="Up to 64 characters in the ft: model name.")
    ] = None,
    max_cost: Annotated[
        float | None,
        typer.Option("--max-cost", min=0.0, help="Refuse before uploading above this estimate ($)."),
    ] = None,
    price_table: Annotated[
        Path | None,
        typer.Option("--price-table", help="TOML overriding the training prices and limits."),
    ] = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="API address (default: OPENAI_BASE_URL or OpenAI).")
    ] = None,
    poll_interval: Annotated[
        float, typer.Option("--poll-interval", min=0.0, help="Seconds between status polls.")
    ] = 10.0,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the preflight and stop; nothing is sent.")
    ] = False,
    resume: Annotated[
        bool, typer.Option("--resume", help="Re-attach to this run's job; never create one.")
    ] = False,
    restart: Annotated[
        bool, typer.Option("--restart", help="Create a new job even if one is recorded.")
    ] = False,
    cancel_job: Annotated[
        bool, typer.Option("--cancel", help="Cancel the job recorded in --output-dir.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Preflight (format, tokens, cost), upload, create the job, follow it, write run_manifest.json.

    A re-run with the same export, model, hyperparameters and suffix re-attaches to its job
    instead of creating a second one; uploads recorded in the run manifest are not repeated.
    """
    if ctx.invoked_subcommand is not None:
        return
    from train.cli import domain_errors

    with domain_errors():
        if cancel_job:
            if output_dir is None:
                raise UsageError("--cancel needs the --output-dir of the run.")
            _cancel(output_dir, base_url, as_json)
            return
        if data is None:
            raise UsageError(
                "Give the export folder with --data.",
                "Write one with: curate export --format openai-jsonl --out DIR",
            )
        hyper = {
            k: v
            for k, v in (
                ("n_epochs", n_epochs),
                ("batch_size", batch_size),
                ("learning_rate_multiplier", lr_multiplier),
            )
            if v is not None
        }
        if suffix is not None and len(suffix) > 64:
            raise UsageError("--suffix holds at most 64 characters.")
        _run(
            data,
            model,
            output_dir or Path("runs") / f"openai-{data.resolve().name}",
            hyper,
            suffix,
            max_cost,
            price_table,
            base_url,
            poll_interval,
            dry_run=dry_run,
            resume=resume,
            restart=restart,
            as_json=as_json,
        )


@app.command("cancel", epilog="Example: train openai cancel runs/oai")
def cancel_cmd(
    output_dir: Annotated[Path, typer.Argument(help="The --output-dir of a train openai run.")],
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="API address (default: the run's).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Cancel the OpenAI fine-tuning job recorded in a run directory."""
    from train.cli import domain_errors

    with domain_errors():
        _cancel(output_dir, base_url, as_json)


def _cancel(output_dir: Path, base_url: str | None, as_json: bool) -> None:
    from train.openai_job import cancel

    manifest, job = cancel(output_dir, base_url)
    if as_json:
        print(json.dumps(manifest, indent=2, default=str))
    else:
        out.print(f"{job.id}: {job.status}", markup=False, highlight=False)


def _run(
    data: Path,
    model: str,
    output_dir: Path,
    hyper: dict[str, Any],
    suffix: str | None,
    max_cost: float | None,
    price_table: Path | None,
    base_url: str | None,
    poll_interval: float,
    *,
    dry_run: bool,
    resume: bool,
    restart: bool,
    as_json: bool,
) -> None:
    from train.openai_preflight import OpenAIPreflightRefused, run_preflight
    from train.openai_table import FineTuneTable

    view = err if as_json else out
    report = run_preflight(
        data,
        model,
        n_epochs=hyper.get("n_epochs"),
        max_cost=max_cost,
        table=FineTuneTable.load(price_table),
    )
    show_preflight(view, report)
    if not report.ok:
        if as_json:
            print(json.dumps(report.to_dict(), indent=2, default=str))
        first = report.refusals[0]["message"]
        more = len(report.refusals) - 1
        raise OpenAIPreflightRefused(
            f"Preflight refused: {first}" + (f" (and {more} more reason(s) above)" if more else ""),
            report,
        )
    if dry_run:
        if as_json:
            print(json.dumps(report.to_dict(), indent=2, default=str))
        else:
            view.print("Dry run: nothing was sent.", highlight=False)
        return
    from train.openai_job import Client, JobSpec, follow, outcome, start_or_attach

    spec = JobSpec(str(report.export_dir), report.manifest_sha256, model, hyper, suffix)
    client = Client(base_url)

    def say(text: str) -> None:
        view.print(text, markup=False, highlight=False, soft_wrap=True)

    manifest, job = start_or_attach(
        client, spec, output_dir, report.to_dict(), resume=resume, restart=restart, say=say
    )
    try:
        job = _follow(client, job, output_dir, manifest, poll_interval, view, follow)
    except KeyboardInterrupt:
        raise CurateError(
            f"Stopped following {job.id}; it keeps running at OpenAI.",
            f"Re-attach with the same command (or --resume), or cancel it with "
            f"`train openai cancel {output_dir}`.",
        ) from None
    if as_json:
        print(json.dumps(manifest, indent=2, default=str))
    outcome(job)
    if not as_json:
        out.print(
            f"{job.id} succeeded: {job.fine_tuned_model} ({job.trained_tokens or 0:,} trained "
            f"tokens; estimated {report.estimated_trained_tokens:,}). "
            f"Run manifest: {output_dir / 'run_manifest.json'}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )


def _follow(client, job, output_dir, manifest, poll_interval, view, follow) -> Any:  # noqa: ANN001
    """Follow the job with a progress bar (status, steps) and its events printed as they come."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[metrics]}"),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task(f"{job.id} {job.status}", total=None, metrics="")

        def on_event(event: Any) -> None:
            data = event.data if isinstance(event.data, dict) else {}
            if event.type == "metrics" and "step" in data:
                loss = data.get("train_loss")
                bar.update(
                    task,
                    completed=data["step"],
                    total=data.get("total_steps"),
                    metrics=f"loss {loss:.4f}" if isinstance(loss, int | float) else "",
                )
                if err.is_terminal:  # the bar shows it; a log keeps every step
                    return
            view.print(
                f"  {event.level}: {event.message}", markup=False, highlight=False, soft_wrap=True
            )

        def on_status(current: Any) -> None:
            bar.update(task, description=f"{current.id} {current.status}")

        return follow(
            client,
            job,
            output_dir,
            manifest,
            poll_interval=poll_interval,
            on_event=on_event,
            on_status=on_status,
        )


def show_preflight(view: InertConsole, report: Any) -> None:
    """The preflight: per split rows and tokens, the model's limit, epochs, cost and refusals."""
    table = Table(title=f"OpenAI fine-tuning preflight: {report.model}", title_justify="left")
    for column in ("split", "rows", "tokens", "billed", "longest", "refused rows"):
        table.add_column(column, justify="left" if column in ("split", "refused rows") else "right")
    for split in report.splits.values():
        problems = ", ".join(f"{c} {n}" for c, n in split.problems.items()) or "-"
        table.add_row(
            split.split,
            f"{split.rows:,}",
            f"{split.tokens:,}",
            f"{split.billed_tokens:,}",
            f"{split.max_tokens:,}",
            problems,
        )
    view.print(table)
    limit = f"{report.context_limit:,}" if report.context_limit else "unknown"
    price = (
        f"${report.price_per_million:.2f} per million trained tokens"
        if report.price_per_million is not None
        else "unknown"
    )
    cost = dollars(report.estimated_cost) if report.estimated_cost is not None else "unknown"
    lines = [
        f"export {report.export_dir} (manifest sha256 {report.manifest_sha256[:12]}, files match)"
        if "hash_mismatch" not in [r["code"] for r in report.refusals]
        else f"export {report.export_dir}",
        f"tokens per example: at most {limit} (o200k, OpenAI's message counting)",
        f"epochs: {report.epochs}, {report.epochs_note}",
        f"estimated cost: {cost} = {report.estimated_trained_tokens:,} trained tokens "
        f"(train billed tokens x {report.epochs}) x {price}",
        f"prices and limits as of {report.table_as_of}: {report.table_source}",
    ]
    if report.max_cost is not None:
        lines.append(f"--max-cost: {dollars(report.max_cost)}")
    for line in lines:
        view.print(line, markup=False, highlight=False, soft_wrap=True)
    for refusal in report.refusals:
        view.print(f"refused ({refusal['code']}): {refusal['message']}", markup=False,
                   highlight=False, soft_wrap=True)
