"""``curate pipeline run``: read, check, dedupe, split and export sharded input in one pass,
in-process or on Ray Data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from curate.cli.output import cli_errors, console, err_console, exit_with, print_json

EXAMPLES = """\b
Examples:
  curate pipeline run --input 'data/*.jsonl' --out build/
  curate pipeline run --input shards/ --out build/ --engine ray
  curate pipeline run --input 's3://bucket/part-*.jsonl.gz' --out build/ --engine ray \\
      --address ray://head:10001 --config curate.toml --json

Every input row becomes a record or a reject (read = records + rejected, per file and in
total). Records get the rubric's record checks, duplicate clusters (exact and MinHash near
duplicates, verified by exact Jaccard) and a split (clusters never cross splits); the folder
gets records-*.parquet (records with check results, cluster and split), rejects.parquet,
the export (one JSONL per split, --target) and manifest.json. Both engines give the same
answers. --out must be absent, empty or an earlier pipeline output.
Exit codes: 0 done; 1 rows rejected; 2 usage error or unreadable input."""


def run_command(
    inputs: Annotated[
        list[str], typer.Option("--input", "-i", help="A file, folder or glob (repeatable).")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="The output folder.")],
    engine: Annotated[str, typer.Option("--engine", help="local (in-process) or ray.")] = "local",
    address: Annotated[
        str | None,
        typer.Option("--address", help="Ray cluster to join (default: start a local Ray)."),
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", help="curate.toml with rubric, dedupe, split.")
    ] = None,
    fmt: Annotated[
        str | None, typer.Option("--from", help="Input format (default: detected per file).")
    ] = None,
    target: Annotated[
        str, typer.Option("--target", help="Export format written per split.")
    ] = "openai-jsonl",
    json_out: Annotated[bool, typer.Option("--json", help="Print the manifest as JSON.")] = False,
) -> None:
    """Run the whole curation pipeline over sharded input."""
    from curate.pipeline import run_pipeline
    from curate.pipeline.plan import PipelinePlan, load_settings

    with cli_errors():
        plan = PipelinePlan(
            inputs=list(inputs),
            out=out,
            settings=load_settings(config),
            fmt=fmt,
            target=target,
            engine=engine,
            address=address,
        )
        if err_console.is_terminal and not json_out:
            from rich.progress import Progress

            with Progress(console=err_console, transient=True) as bar:
                tasks: dict[str, int] = {}

                def progress(stage: str, done: int, total: int | None) -> None:
                    if stage not in tasks:
                        tasks[stage] = bar.add_task(stage, total=total)
                    bar.update(tasks[stage], completed=done, total=total)

                manifest = run_pipeline(plan, progress)
        else:
            manifest = run_pipeline(plan)
    counts = manifest["counts"]
    if json_out:
        print_json({k: v for k, v in manifest.items() if k != "other_files"})
    else:
        console.print(
            f"[bold]{counts['read']}[/bold] rows read = {counts['records']} records + "
            f"{counts['rejected']} rejected; {counts['clusters']} clusters "
            f"({counts['duplicates']} duplicates); splits "
            + ", ".join(f"{k} {v}" for k, v in manifest["splits"].items())
            + f"; {counts['exported']} exported ({manifest['engine']}) to {escape(str(out))}"
        )
    exit_with(1 if counts["rejected"] else 0)


def import_command(
    folder: Annotated[Path, typer.Argument(help="A folder written by `curate pipeline run`.")],
    json_out: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
) -> None:
    """Store a pipeline output in the workspace with its check results, clusters and splits."""
    from curate.cli.locking import holding
    from curate.pipeline.importer import import_output
    from curate.workspace import find_workspace

    with cli_errors(), find_workspace() as ws, holding(ws, "curate pipeline import"):
        counts = import_output(ws, folder)
    if json_out:
        print_json(counts)
    else:
        console.print(
            f"{counts['added']} records added ({counts['existing']} already stored), "
            f"{counts['rejects']} rejects, {counts['check_results']} check results, "
            f"{counts['clustered']} clustered, {counts['split']} split; review with `curate review`."
        )


def register(app: typer.Typer) -> None:
    """Add ``curate pipeline run`` and ``curate pipeline import`` to the app."""
    group = typer.Typer(help="Run the whole curation pipeline over sharded input (local or Ray).")
    group.command(
        "run",
        help="Read, check, dedupe, split and export sharded input in one run (local or Ray).",
        epilog=EXAMPLES,
    )(run_command)
    group.command(
        "import",
        help="Store a pipeline output in this workspace, keeping check results, clusters and splits.",
    )(import_command)
    app.add_typer(group, name="pipeline")
