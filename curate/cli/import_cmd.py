"""``curate import``: read dataset files into the workspace with provenance and rejects."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from curate.cli.locking import WaitOpt, holding
from curate.cli.output import (
    EXIT_FINDINGS,
    EXIT_OK,
    cli_errors,
    console,
    err_console,
    exit_with,
    print_json,
    show_progress,
)
from curate.importer import COUNTS, FileImport, ImportSummary, import_files, parse_tags
from curate.workspace import find_workspace

EXAMPLES = """\b
Examples:
  curate import chats.jsonl
  curate import gen/*.jsonl --origin synthetic --tag batch=2026-11
  curate import dump.json --from sharegpt --tag category=spark --json
  zcat dump.jsonl.gz | curate import - --tag batch=7
  curate import big.jsonl --wait 600     (queue behind another command changing the workspace)

Importing a file again adds nothing (record ids are content hashes) and says so; an
interrupted import can simply be run again. A row identical to a row read earlier by the
same command is counted as a duplicate row of the files, apart from the records that were
already in the workspace: read = added + duplicates + already in the workspace + rejected.

One command changes a workspace at a time: while another holds it, import refuses at
once naming it (exit 2, nothing imported), or waits up to --wait seconds.

Exit codes: 0 every row imported; 1 some rows were rejected (they are stored with their
reason codes, see `curate status`); 2 usage error, unreadable input or a busy workspace."""


@contextlib.contextmanager
def row_progress(total_bytes: int) -> Iterator[Callable[[FileImport], None] | None]:
    """A live row counter on stderr for big inputs (None when not worth showing)."""
    if not show_progress(total_bytes):
        yield None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("[bold]Importing[/bold] {task.description}"),
        TextColumn("{task.completed:,} rows"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task("", total=None)

        def update(f: FileImport) -> None:
            bar.update(task, description=escape(f.path), completed=f.read)

        yield update


def import_command(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Dataset files: .jsonl, .json, .csv or .parquet (.gz for the text ones); "
            "- (or a pipe) reads standard input.",
            show_default=False,
        ),
    ],
    origin: Annotated[
        str, typer.Option("--origin", help="Where the rows come from: real or synthetic.")
    ] = "real",
    tag: Annotated[
        list[str] | None,
        typer.Option("--tag", help="Add KEY=VALUE to every record's tags (repeatable)."),
    ] = None,
    from_: Annotated[
        str | None,
        typer.Option("--from", "-f", help="Input format (detected from the rows when left out)."),
    ] = None,
    wait: WaitOpt = 0.0,
    json_out: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Import files into the workspace: every row becomes a record or a stored reject."""
    with cli_errors():
        tags = parse_tags(tag or [])
        ws = find_workspace()
        try:
            total = sum(p.stat().st_size for p in paths if p.is_file())
            with holding(ws, "curate import", wait), row_progress(total) as progress:
                summary = import_files(ws, paths, origin, tags, from_, progress=progress)
        finally:
            ws.close()
    if json_out:
        print_json(summary.as_dict())
    else:
        show_summary(summary)
    exit_with(EXIT_FINDINGS if summary.total("rejected") else EXIT_OK)


def show_summary(summary: ImportSummary) -> None:
    """Per file counts, totals that add up, and the reasons rows were rejected."""
    table = Table(title="Imported", title_justify="left")
    table.add_column("file", overflow="fold")
    table.add_column("format")
    for col in ("read", "added", "duplicates", "in workspace", "rejected"):
        table.add_column(col, justify="right")
    for f in summary.files:
        table.add_row(
            escape(f.path),
            f.format or "-",
            *(str(getattr(f, k)) for k in COUNTS),
        )
    console.print(table)
    read, added, duplicates, existing, rejected = (summary.total(k) for k in COUNTS)
    console.print(
        f"read {read} = added {added} + duplicate rows in the files {duplicates} + "
        f"already in the workspace {existing} + rejected {rejected}"
    )
    if duplicates:
        console.print(
            f"duplicate rows in the files: {duplicates} (identical to a row read earlier; "
            "each is noted as another occurrence of its record, see `curate status`)"
        )
    if read and not added and existing:
        console.print(
            f"Nothing new: all {existing} records were already in the workspace."
            if not rejected and not duplicates
            else f"Nothing new: {existing} records were already in the workspace."
        )
    if summary.reasons:
        reasons = Table(title="Rejected rows by reason", title_justify="left")
        reasons.add_column("reason code")
        reasons.add_column("rows", justify="right")
        for code, n in summary.reasons.items():
            reasons.add_row(f"[red]{code}[/red]", str(n))
        console.print(reasons)
        console.print(
            "The rejected rows are stored with their line and raw text; see `curate status`."
        )


def register(app: typer.Typer) -> None:
    """Add ``curate import`` to the app."""
    app.command(
        "import",
        help=(
            "Read dataset files in any supported format into the workspace. Each record keeps "
            "its provenance (origin, file, line, import time, importer version); rejected rows "
            "are stored with reason codes."
        ),
        epilog=EXAMPLES,
        no_args_is_help=True,
    )(import_command)
