"""``curate init``: make a folder a workspace (settings file and store)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from curate.cli.output import cli_errors, console, print_json
from curate.workspace import init_workspace

EXAMPLES = """\b
Examples:
  curate init
  curate init my-dataset
  curate init my-dataset --json

Exit codes: 0 created; 2 the folder is already a workspace or cannot be written."""


def init_command(
    directory: Annotated[
        Path, typer.Argument(help="Folder to make a workspace (created if missing).")
    ] = Path("."),
    json_out: Annotated[
        bool, typer.Option("--json", help="Print what was created as JSON.")
    ] = False,
) -> None:
    """Create curate.toml (settings with documented defaults) and .curate/ (the store)."""
    with cli_errors(), init_workspace(directory) as ws:
        info = {
            "workspace": str(ws.root),
            "settings": str(ws.settings_path),
            "database": str(ws.db_path),
            "schema_version": ws.store.schema_version,
        }
    if json_out:
        print_json(info)
        return
    console.print(f"Created a workspace in [bold]{escape(info['workspace'])}[/bold]")
    console.print(f"  settings: {escape(info['settings'])} (every default shown; edit as needed)")
    console.print(f"  store:    {escape(info['database'])}")
    console.print("Next: [bold]curate import FILE[/bold], then [bold]curate status[/bold].")


def register(app: typer.Typer) -> None:
    """Add ``curate init`` to the app."""
    app.command(
        "init",
        help=(
            "Make a folder a workspace: curate.toml holds the settings (rubric, synthetic-share "
            "limit, split ratios, dedupe, providers, review keys) and .curate/ the SQLite store."
        ),
        epilog=EXAMPLES,
    )(init_command)
