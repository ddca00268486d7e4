"""``curate validate``: the quality checklist over a file or the workspace; ``curate rubric``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from curate.checks.base import PILLARS
from curate.checks.codes import code_pillars
from curate.checks.report import export_note, to_json, to_markdown
from curate.checks.verdict import ValidationResult
from curate.cli.locking import WAIT_HELP, holding
from curate.cli.output import (
    EXIT_FINDINGS,
    EXIT_OK,
    cli_errors,
    console,
    exit_with,
    print_json,
    record_progress,
)
from curate.errors import UsageError

EXAMPLES = """\b
Examples:
  curate validate chats.jsonl
  curate validate chats.jsonl --target llama3-8k --report report.md
  curate validate --json | jq .scores          (in a workspace: stores the results)
  curate validate data.jsonl --rubric my-rubric.yaml --judge
  curate validate --wait 60     (queue behind another command changing the workspace)

Each reason code has a severity in the rubric (severity:): error (the record
is left out of an export by default), warning (scored, kept) or info.
In a workspace, validate stores its results, so while another command changes the workspace
it refuses at once naming it, or waits up to --wait seconds (checking a FILE never waits).
Exit codes: 0 the dataset passes the rubric; 1 it fails; 2 usage error, unreadable input or
a busy workspace."""

RUBRIC_EXAMPLES = """\b
Examples:
  curate rubric show
  curate rubric copy my-rubric.yaml     (edit it, then: curate validate --rubric my-rubric.yaml)"""

def validate_command(
    input: Annotated[
        Path | None,
        typer.Argument(help="Dataset file to check; leave out to check the workspace.", show_default=False),
    ] = None,
    rubric: Annotated[
        str | None,
        typer.Option("--rubric", "-r", help="Rubric YAML (default: the workspace's, else the packaged one)."),
    ] = None,
    target: Annotated[
        str | None,
        typer.Option("--target", "-t", help="Token-limit target named in the rubric (openai, llama3-8k, qwen3-32k, ...)."),
    ] = None,
    from_: Annotated[
        str | None, typer.Option("--from", "-f", help="Input format (detected when left out).")
    ] = None,
    where: Annotated[
        list[str] | None,
        typer.Option("--where", help="Workspace only: check the records matching FIELD=VALUE."),
    ] = None,
    judge: Annotated[
        bool, typer.Option("--judge", help="Grade answers with the rubric's LLM judge (needs an API key).")
    ] = False,
    report: Annotated[
        Path | None, typer.Option("--report", help="Also write a readable Markdown report here.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=0, help="Failed records shown in the table.")] = 20,
    wait: Annotated[float, typer.Option("--wait", min=0, help="Workspace only: " + WAIT_HELP, show_default=False)] = 0.0,
    json_out: Annotated[bool, typer.Option("--json", help="Print the results as one JSON object.")] = False,
) -> None:
    """Run the quality checklist (accuracy, consistency, diversity, completeness, format,
    plus safety and readiness) and give a verdict against the rubric."""
    with cli_errors():
        result = _run(input, rubric, target, from_, where, judge, wait)
        if report is not None:
            from curate.io.atomic import atomic_path

            with atomic_path(report) as tmp:
                tmp.write_text(to_markdown(result), encoding="utf-8")
    if json_out:
        print_json(to_json(result))
    else:
        show_result(result, limit)
        if report is not None:
            console.print(f"report written to {escape(str(report))}")
    exit_with(EXIT_OK if result.passed else EXIT_FINDINGS)


def _run(
    input: Path | None,
    rubric_path: str | None,
    target: str | None,
    fmt: str | None,
    where: list[str] | None,
    judge: bool,
    wait: float = 0.0,
) -> ValidationResult:
    from curate.checks.rubric import load_rubric
    from curate.checks.runner import validate_records

    if input is not None:
        if where:
            raise UsageError("--where filters workspace records; it cannot be used with a file.")
        from curate.source import read_all

        rubric = load_rubric(rubric_path or "default")
        rubric.target(target)  # an unknown target fails before the file is read
        data = read_all(input, fmt)
        with record_progress("Checking", len(data.records)) as progress:
            return validate_records(data.records, rubric, target=target, rejects=data.rejects, judge=judge, progress=progress)
    if fmt:
        raise UsageError("--from needs a FILE to read.")
    from curate.checks.annotate import validate_workspace, workspace_rubric
    from curate.workspace import find_workspace

    with find_workspace() as ws, holding(ws, "curate validate", wait):
        rubric = workspace_rubric(ws, rubric_path)
        rubric.target(target)
        with record_progress("Checking", ws.store.count()) as progress:
            return validate_workspace(ws, rubric, target=target, where=where, judge=judge, progress=progress)


def show_result(result: ValidationResult, limit: int = 20) -> None:
    """The human view: scores, dataset findings, per-check pass rates, failed records, verdict."""
    c = result.counts
    line = f"{c['records']} records"
    if c.get("rejects"):
        line += f" + {c['rejects']} rejected rows"
        if c.get("rejects_scored") is False:
            line += " (stored at import; reported, not scored)"
    console.print(f"{line}; rubric [bold]{escape(result.rubric)}[/bold]" + (f", target {escape(result.target)}" if result.target else ""))
    scores = Table(title="Checklist scores (0-100)", title_justify="left")
    scores.add_column("pillar")
    scores.add_column("score", justify="right")
    for p in PILLARS:
        value = result.scores.get(p)
        scores.add_row(p, "[dim]not assessed[/dim]" if value is None else f"{value:g}")
    console.print(scores)
    for note in result.accuracy.get("not_assessed", []):
        if note:
            console.print(f"[dim]accuracy: {escape(note)}[/dim]")
    if result.dataset:
        table = Table(title="Dataset findings", title_justify="left")
        table.add_column("")
        table.add_column("code")
        table.add_column("finding")
        colour = {"fail": "red", "warn": "yellow", "info": "dim"}
        for f in result.dataset:
            table.add_row(f"[{colour[f.severity]}]{f.severity}[/]", f.code, escape(f.detail))
        console.print(table)
    hp = (result.metrics.get("readiness") or {}).get("suggested")
    if hp:
        console.print(f"suggested: {hp['epochs_range']} epochs, LoRA rank {hp['lora_rank_range']} ({hp['task']})")
    if result.checks:
        table = Table(title="Findings by code", title_justify="left")
        table.add_column("code")
        table.add_column("severity")
        table.add_column("pillar")
        table.add_column("records", justify="right")
        level_colour = {"error": "red", "warning": "yellow", "info": "dim"}
        for code, n in result.checks.items():
            level = result.level(code)
            table.add_row(code, f"[{level_colour[level]}]{level}[/]", code_pillars().get(code, "format"), str(n))
        console.print(table)
        levels = result.by_severity
        console.print(
            "records by worst finding: "
            + ", ".join(f"{level} {v['records']}" for level, v in levels.items())
        )
    rates = ", ".join(f"{k} {v:.1%}" for k, v in result.pass_rates.items())
    console.print(f"pass rates: {rates}")
    failed = [rid for rid in result.record_order if any(not f.passed for f in result.findings.get(rid, ()))]
    if failed and limit:
        table = Table(title=f"Records with findings ({len(failed)})", title_justify="left")
        table.add_column("record")
        table.add_column("codes")
        table.add_column("first finding")
        for rid in failed[:limit]:
            found = [f for f in result.findings[rid] if not f.passed]
            table.add_row(escape(rid), ", ".join(sorted({f.code for f in found})), escape(found[0].detail))
        console.print(table)
        if len(failed) > limit:
            console.print(f"[dim]... {len(failed) - limit} more (--limit, --json or --report)[/dim]")
    console.print(escape(export_note(result)))
    if result.passed:
        console.print("[bold green]PASS[/bold green] the dataset meets the rubric.")
    else:
        console.print("[bold red]FAIL[/bold red] " + escape(" ".join(result.failures)))


def rubric_show(
    path: Annotated[str, typer.Argument(help="A rubric file, or 'default'.")] = "default",
) -> None:
    """Print a rubric as YAML (the packaged default, or a file merged over it)."""
    import yaml

    from curate.checks.rubric import default_rubric_text, load_rubric

    with cli_errors():
        if path == "default":
            typer.echo(default_rubric_text(), nl=False)
            return
        data = load_rubric(path).model_dump(exclude={"source"})
    typer.echo(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), nl=False)


def rubric_copy(
    dest: Annotated[Path, typer.Argument(help="Where to write the copy (a .yaml file).")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Copy the packaged default rubric to a file you can edit."""
    from curate.checks.rubric import default_rubric_text
    from curate.io.atomic import atomic_path

    with cli_errors():
        if dest.exists() and not force:
            raise UsageError(f"'{dest}' already exists; nothing was written.", "Pass --force to overwrite it.")
        with atomic_path(dest) as tmp:
            tmp.write_text(default_rubric_text(), encoding="utf-8")
    console.print(f"wrote {escape(str(dest))}; use it with: curate validate --rubric {escape(str(dest))}")


def register(app: typer.Typer) -> None:
    """Add ``curate validate`` and ``curate rubric show|copy`` to the app."""
    app.command(
        "validate",
        help=(
            "Run the quality checklist over FILE (or the workspace, storing the results) and "
            "give scores 0-100 for accuracy, consistency, diversity, completeness and format, "
            "per-record reason codes and a pass/fail verdict against the rubric."
        ),
        epilog=EXAMPLES,
    )(validate_command)
    group = typer.Typer(help="Show or copy the quality rubric.", no_args_is_help=True, epilog=RUBRIC_EXAMPLES)
    group.command("show", help="Print a rubric as YAML.")(rubric_show)
    group.command("copy", help="Copy the default rubric to a file to edit.")(rubric_copy)
    app.add_typer(group, name="rubric")
