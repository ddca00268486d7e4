"""``curate convert``: convert a dataset file between formats, rejecting rows with reasons."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from curate.cli.output import (
    EXIT_FINDINGS,
    EXIT_OK,
    byte_progress,
    cli_errors,
    console,
    exit_with,
    print_json,
    warn,
)
from curate.convert import ConvertSummary, convert
from curate.formats import all_formats
from curate.inert import inert_line
from curate.io.read import RowReader

EXAMPLES = """\b
Examples:
  curate convert chats.jsonl --to alpaca -o train.json
  curate convert dump.json --from sharegpt --to openai-jsonl -o chat.jsonl.gz
  curate convert pairs.parquet --to trl-preference -o pairs.jsonl --json
  curate convert dpo.jsonl --to alpaca --preference-side chosen -o sft.json
  curate convert kto_en_demo.json --to unpaired -o kto.jsonl
  curate convert bad_answers.json --to unpaired --label false -o kto.jsonl

A preference pair written to an SFT format (alpaca, openai-jsonl, sharegpt, completion) \
would lose its rejected answer, so it is rejected (unsupported_in_target) unless \
--preference-side chosen keeps its chosen side; the summary counts the rejected answers \
dropped. An undesirable unpaired example (label false) never becomes an SFT row, and an SFT row gets a KTO label only from an explicit --label true|false.

Exit codes: 0 every row converted; 1 some rows rejected (the output is still written, \
the rejected rows are in OUTPUT.rejects.jsonl); 2 usage error or unreadable input. \
An empty input converts to an empty output with exit 0."""


def _format_help() -> str:
    return "Target format: " + ", ".join(all_formats()) + "."


def convert_command(
    input: Annotated[
        Path,
        typer.Argument(
            help="Dataset file: .jsonl, .json, .csv or .parquet (.gz for the text ones).",
            show_default=False,
        ),
    ],
    to: Annotated[str, typer.Option("--to", "-t", help="Target format.", show_default=False)],
    output: Annotated[
        Path,
        typer.Option(
            "--output", "-o", help="Output file; its extension picks the container.", show_default=False
        ),
    ],
    from_: Annotated[
        str | None,
        typer.Option("--from", "-f", help="Input format (detected from the rows when left out)."),
    ] = None,
    rejects: Annotated[
        Path | None,
        typer.Option("--rejects", help="Where rejected rows go (default OUTPUT.rejects.jsonl)."),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    preference_side: Annotated[
        str | None,
        typer.Option(
            "--preference-side",
            help=(
                "Write preference pairs to an SFT format as their prompt and chosen answer "
                "(the rejected answers are dropped and counted). Only 'chosen' is accepted."
            ),
            show_default=False,
        ),
    ] = None,
    label: Annotated[
        str | None,
        typer.Option(
            "--label",
            help=(
                "Give every SFT row this KTO label (true or false) so it can be written to "
                "unpaired or llama-factory-kto; without it such rows are rejected, since a "
                "label is never invented. Rows that have a label keep theirs."
            ),
            show_default=False,
        ),
    ] = None,
) -> None:
    """Convert a dataset file to another format; every row ends in OUTPUT or the rejects file."""
    with cli_errors():
        size = RowReader(input).size
        with byte_progress("Converting", size) as progress:
            summary = convert(
                input,
                output,
                to,
                from_,
                rejects,
                progress=progress,
                preference_side=preference_side,
                label=label,
            )
    if json_out:
        print_json(summary.to_dict())
    else:
        show_summary(summary)
    exit_with(EXIT_FINDINGS if summary.rejected else EXIT_OK)


def show_summary(summary: ConvertSummary) -> None:
    """The human summary: a table on a terminal, plain lines otherwise."""
    for message in summary.warnings():
        warn(message)
    fmt = summary.from_format or "unknown"
    line = (
        f"read {summary.read} = written {summary.written} + rejected {summary.rejected}"
    )
    kept = "\n".join(n for n in (side_note(summary), label_note(summary)) if n) or None
    if not console.is_terminal:  # plain lines for pipes and logs, never wrapped
        typer.echo(
            f"{inert_line(summary.input)} ({fmt}) -> {inert_line(summary.output)} ({summary.to})"
        )
        typer.echo(line)
        if kept:
            typer.echo(kept)
        for code, count in summary.reasons.items():
            typer.echo(f"  {code}: {count}")
        if summary.rejects_path:
            typer.echo(f"rejects: {inert_line(summary.rejects_path)}")
        return
    console.print(
        f"[bold]{escape(summary.input)}[/bold] ({fmt}) → [bold]{escape(summary.output)}[/bold] "
        f"({summary.to})",
        soft_wrap=True,
    )
    table = Table()
    table.add_column("read", justify="right")
    table.add_column("=", justify="center")
    table.add_column("written", justify="right", style="green")
    table.add_column("+", justify="center")
    table.add_column("rejected", justify="right", style="red" if summary.rejected else None)
    table.add_row(str(summary.read), "=", str(summary.written), "+", str(summary.rejected))
    console.print(table)
    if kept:
        console.print(kept)
    if summary.reasons:
        reasons = Table(title="Rejected rows by reason", min_width=30)
        reasons.add_column("reason code")
        reasons.add_column("rows", justify="right")
        for code, count in summary.reasons.items():
            reasons.add_row(code, str(count))
        console.print(reasons)
        console.print(f"Rejected rows are in [bold]{escape(summary.rejects_path or '')}[/bold]")


def side_note(summary: ConvertSummary) -> str | None:
    """What --preference-side did to the written rows, or None when it changed nothing."""
    if not summary.dropped_rejected:
        return None
    n = summary.dropped_rejected
    return (
        f"{n} written rows are the {summary.preference_side} side of a preference pair: "
        f"{n} rejected answers dropped (--preference-side {summary.preference_side})"
    )


def label_note(summary: ConvertSummary) -> str | None:
    """What --label did to the written rows, or None when no row got the label."""
    if not summary.labelled:
        return None
    value = "true" if summary.label else "false"
    return (
        f"{summary.labelled} written rows had no label and were given label {value} (--label "
        f"{value})"
    )


def register(app: typer.Typer) -> None:
    """Add ``curate convert`` to the app."""
    app.command(
        "convert",
        help=(
            "Convert a dataset file to another format. The input format is detected over "
            "many rows (--from overrides). Every input row ends in OUTPUT or in the rejects "
            "file with a reason code: read = written + rejected. " + _format_help()
        ),
        epilog=EXAMPLES,
        no_args_is_help=True,
    )(convert_command)
