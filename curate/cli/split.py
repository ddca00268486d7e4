"""``curate split``: train/validation/test assignments, seeded, stratified and leakage-free."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from curate.cli.locking import WaitOpt, holding
from curate.cli.output import cli_errors, console, err_console, print_json, warn

if TYPE_CHECKING:
    from curate.split import SplitResult

EXAMPLES = """\b
Examples:
  curate split
  curate split --ratios 0.8,0.1,0.1 --seed 7 --stratify difficulty
  curate split --stratify none --json
  curate split --ratios 0.85,0.05,0.1 --seed 3 --reshuffle
  curate split --wait 60     (queue behind another command changing the workspace)

Members of a duplicate cluster (from the latest `curate dedupe`) always share a split, and
the ratios count a cluster once. The test split is frozen: splitting again after adding
records keeps every assignment and only places the new records (a new record whose cluster
already has a test member goes to test); --reshuffle deals train and validation again under
new ratios, seed or stratification, leaving test as it is.
Defaults come from [split] in curate.toml. While another command changes the workspace,
split refuses at once naming it, or waits up to --wait seconds.
Exit codes: 0 split; 2 usage error (bad ratios, not in a workspace, busy)."""


@contextlib.contextmanager
def working(label: str) -> Iterator[None]:
    """A spinner on stderr while a step runs (only on a terminal: big workspaces take seconds)."""
    if not err_console.is_terminal:
        yield
        return
    with err_console.status(label):
        yield


def split_command(
    ratios: Annotated[
        str | None,
        typer.Option(
            "--ratios", help="TRAIN,VALIDATION,TEST shares adding up to 1 (default: curate.toml)."
        ),
    ] = None,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Shuffle seed (default: curate.toml).")
    ] = None,
    stratify: Annotated[
        str | None,
        typer.Option(
            "--stratify",
            help="Tag to keep balanced across splits: category, difficulty (any tag key) or none.",
        ),
    ] = None,
    reshuffle: Annotated[
        bool,
        typer.Option(
            "--reshuffle",
            help="Deal train and validation again with these settings (test stays frozen).",
        ),
    ] = False,
    wait: WaitOpt = 0.0,
    json_out: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
) -> None:
    """Assign records to train, validation and test."""
    from curate.split import Ratios, split_workspace
    from curate.workspace import find_workspace

    with cli_errors():
        parsed = Ratios.parse(ratios) if ratios is not None else None
        with find_workspace() as ws, holding(ws, "curate split", wait), working("Splitting"):
            result = split_workspace(
                ws, parsed, seed, "" if stratify is None else stratify, reshuffle
            )
    for message in result.warnings:
        warn(message)
    if json_out:
        print_json(result.to_json())
        return
    show(result)


def show(result: SplitResult) -> None:
    """The human view: counts per split and per stratum, and what changed."""
    data = result.to_json()
    r = data["ratios"]
    if result.stratified:
        how = f"stratified by '{escape(result.stratify_by or '')}'"
    elif result.not_stratified:
        how = f"not stratified: {escape(result.not_stratified)}"
    else:
        how = "not stratified"
    console.print(
        f"Split {data['total']} records (ratios {r['train']:g}/{r['validation']:g}/{r['test']:g}, "
        f"seed {result.seed}, {how})."
    )
    table = Table(title="Records per split", title_justify="left")
    table.add_column("stratum")
    for split in data["counts"]:
        table.add_column(split, justify="right")
    for name, row in data["strata"].items():
        table.add_row(escape(name), *(str(n) for n in row.values()))
    table.add_row("[bold]total[/bold]", *(f"[bold]{n}[/bold]" for n in data["counts"].values()))
    console.print(table)
    extra = f", {data['clusters']} duplicate clusters kept whole" if data["clusters"] else ""
    moved = f", {data['moved']} moved to keep clusters together" if data["moved"] else ""
    console.print(f"{data['assigned']} newly assigned, {data['kept']} kept{moved}{extra}.")
    skipped = {k: v for k, v in data["skipped"].items() if v}
    if skipped:
        console.print(
            "Not assigned: "
            + ", ".join(f"{n} {k}" for k, n in skipped.items())
            + " (not exportable)."
        )


def register(app: typer.Typer) -> None:
    """Add ``curate split`` to the app."""
    app.command(
        "split",
        help=(
            "Assign the workspace's records to train, validation and test: deterministic with "
            "a seed, stratified by a tag, duplicates kept together, test frozen once made."
        ),
        epilog=EXAMPLES,
    )(split_command)
