"""``curate inspect``: what a dataset file holds and what a conversion would reject."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

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
from curate.inspect import LANGUAGE_SAMPLE, InspectReport, inspect_file
from curate.io.read import RowReader

EXAMPLES = """\b
Examples:
  curate inspect chats.jsonl
  curate inspect dump.json --from sharegpt --to alpaca
  curate inspect train.parquet --tokenizer tokenizer.json --json

Exit codes: 0 every row is readable and convertible; 1 some rows would be rejected;
2 usage error or unreadable input."""


def inspect_command(
    input: Annotated[
        Path,
        typer.Argument(
            help="Dataset file: .jsonl, .json, .csv or .parquet (.gz for the text ones).",
            show_default=False,
        ),
    ],
    from_: Annotated[
        str | None,
        typer.Option("--from", "-f", help="Input format (detected from the rows when left out)."),
    ] = None,
    to: Annotated[
        str | None,
        typer.Option("--to", "-t", help="Also count the rows this target format cannot hold."),
    ] = None,
    tokenizer: Annotated[
        Path | None,
        typer.Option("--tokenizer", help="A tokenizer.json for exact token counts (default: estimate)."),
    ] = None,
    language_sample: Annotated[
        int,
        typer.Option("--language-sample", min=0, help="Records sampled for language detection."),
    ] = LANGUAGE_SAMPLE,
    json_out: Annotated[bool, typer.Option("--json", help="Print the statistics as JSON.")] = False,
) -> None:
    """Show a dataset's format, kinds, roles, turns, lengths, tools, languages and rejects."""
    with cli_errors():
        size = RowReader(input).size
        with byte_progress("Inspecting", size) as progress:
            report = inspect_file(
                input,
                from_,
                to=to,
                tokenizer=tokenizer,
                language_sample=language_sample,
                progress=progress,
            )
    if json_out:
        print_json(report.to_dict())
    else:
        show_report(report)
    exit_with(EXIT_FINDINGS if report.rejected or report.target_rejected else EXIT_OK)


def _stats_row(name: str, stats: dict[str, Any] | None) -> list[str]:
    if not stats:
        return [name, "-", "-", "-", "-", "-"]
    return [name, *(str(stats[k]) for k in ("min", "median", "mean", "p95", "max"))]


def _pairs(title: str, items: dict[str, Any], key: str = "", value: str = "count") -> Table:
    table = Table(title=title, title_justify="left", min_width=len(title) + 2)
    table.add_column(key)
    table.add_column(value, justify="right")
    for name, count in items.items():
        table.add_row(escape(str(name)), str(count))
    return table


def conversion_line(report: InspectReport) -> str:
    """What a conversion to the target would do: read = would convert + would be rejected."""
    line = (
        f"to {report.target}: {report.would_convert} would convert, "
        f"{report.would_reject} would be rejected"
    )
    if report.rejected and report.target_rejected:
        line += (
            f" ({report.rejected} rejected when read, {report.target_rejected} that "
            f"{report.target} cannot hold)"
        )
    return line


def show_report(report: InspectReport) -> None:
    """The human view of an inspection."""
    det = report.detection
    for message in det.warnings():
        warn(message)
    if report.read == 0:
        warn(f"The input '{report.input}' is empty: it has no rows.")
    console.print(
        f"[bold]{escape(report.input)}[/bold]: format [bold]{report.format or 'unknown'}[/bold] "
        f"(detected {det.format or 'none'}, confidence {det.confidence:.0%} over "
        f"{det.sampled} rows)",
        soft_wrap=True,
    )
    console.print(
        f"rows read {report.read}: records {report.records}, rejected {report.rejected}",
        soft_wrap=True,
    )
    if report.target:
        console.print(conversion_line(report), soft_wrap=True)
    if report.kinds:
        kinds = dict(report.kinds)
        if report.text_records:
            kinds["(plain text prompt/completion)"] = report.text_records
        console.print(_pairs("Records by kind", kinds, "kind", "records"))
        console.print(_pairs("Messages by role", report.roles, "role", "messages"))
        title = f"Per example (tokens: {escape(report.tokenizer)})"
        sizes = Table(title=title, title_justify="left", min_width=len(title) + 2)
        for col in ("", "min", "median", "mean", "p95", "max"):
            sizes.add_column(col, justify="right" if col else "left")
        sizes.add_row(*_stats_row("turns", report.turns))
        sizes.add_row(*_stats_row("characters", report.chars))
        sizes.add_row(*_stats_row("tokens", report.tokens))
        console.print(sizes)
        tools = report.tools
        console.print(
            f"tools: {tools.get('records_with_tools', 0)} records define tools, "
            f"{tools.get('records_with_tool_calls', 0)} make tool calls"
        )
        if tools.get("called"):
            console.print(_pairs("Tool calls by name", tools["called"], "tool", "calls"))
        if report.languages:
            console.print(
                _pairs(f"Languages ({report.language_sampled} sampled records)",
                       report.languages, "language", "records")
            )
    if report.rejects:
        console.print(_pairs("Rows a conversion would reject", report.rejects, "reason code", "rows"))
        for example in report.reject_examples:
            console.print(
                f"  line {example['line']} [red]{example['code']}[/red]: "
                f"{escape(example['message'])}",
                soft_wrap=True,
            )


def register(app: typer.Typer) -> None:
    """Add ``curate inspect`` to the app."""
    app.command(
        "inspect",
        help=(
            "Show what a dataset file holds: detected format and confidence, records by kind, "
            "roles, turns, lengths in characters and tokens, tools, languages, and the rows a "
            "conversion would reject (by reason code, with examples)."
        ),
        epilog=EXAMPLES,
        no_args_is_help=True,
    )(inspect_command)
