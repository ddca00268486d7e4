"""``curate status``: the workspace at a glance."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from curate.cli.output import cli_errors, console, print_json, warn
from curate.workspace import find_workspace

EXAMPLES = """\b
Examples:
  curate status
  curate status --json | jq .synthetic_share

Exit codes: 0 shown; 2 not in a workspace."""


def status_command(
    json_out: Annotated[bool, typer.Option("--json", help="Print the status as JSON.")] = False,
) -> None:
    """Records by kind, origin and review state, the synthetic share against its limit,
    tags, check results, duplicates, contamination and rejects."""
    with cli_errors(), find_workspace() as ws:
        data = ws.status()
    if json_out:
        print_json(data)
    else:
        show_status(data)


def _pairs(title: str, items: dict[str, Any], key: str, value: str = "records") -> Table:
    table = Table(title=title, title_justify="left", min_width=len(title) + 2)
    table.add_column(key)
    table.add_column(value, justify="right")
    for name, count in items.items():
        table.add_row(escape(str(name)), str(count))
    return table


def show_status(s: dict[str, Any]) -> None:
    """The human view of ``Workspace.status()``."""
    console.print(f"[bold]{escape(s['workspace'])}[/bold]: {s['records']} records")
    if not s["records"] and not s["rejects"]["total"]:
        console.print("The workspace is empty. Add data with: curate import FILE")
        return
    states = s["by_review_state"]
    console.print(
        "review: "
        + ", ".join(f"{n} {state}" for state, n in states.items() if n or state == "pending")
    )
    share, limit = s["synthetic_share"], s["max_synthetic_share"]
    origin = s["by_origin"]
    line = f"origin: {origin.get('real', 0)} real, {origin.get('synthetic', 0)} synthetic; "
    line += f"synthetic share {share:.0%} (limit {limit:.0%})"
    console.print(line)
    if s["synthetic_over_limit"]:
        warn(
            f"Synthetic records make up {share:.0%} of the usable records, over the {limit:.0%} "
            "limit; reject some or import more real data."
        )
    console.print(_pairs("Records by kind", s["by_kind"], "kind"))
    for key, values in s["tags"].items():
        console.print(_pairs(f"Tag '{key}'", values, "value"))
    checks = s["checks"]
    if checks["run_id"] is None:
        console.print("checks: not run yet (curate validate)")
    else:
        console.print(
            f"checks (run {checks['run_id']}, {checks['finished_at']}): "
            f"{checks['records_failing']} of {checks['records_checked']} records fail a check"
        )
        if checks["failed"]:
            console.print(_pairs("Failed checks", checks["failed"], "check"))
    identical = s["imports"].get("identical_rows", 0)
    if identical:
        console.print(
            f"identical rows: {identical} rows read from files were exact copies of another "
            "row and share its record (stored once)"
        )
    dup = s["duplicates"]
    if dup["run_id"] is None:
        console.print("duplicates: not searched yet (curate dedupe)")
    else:
        console.print(
            f"duplicates: {dup['duplicate_records']} records in {dup['clusters']} clusters"
        )
    if s.get("contamination_run") is None:
        console.print("contamination: not checked yet (curate dedupe --against BENCHMARK)")
    else:
        console.print(
            f"contaminated: {s['contaminated']} records also appear in a reference dataset "
            "(export leaves them out)"
        )
    if s["splits"]:
        console.print("splits: " + ", ".join(f"{k} {v}" for k, v in s["splits"].items()))
    rejects = s["rejects"]
    if rejects["total"]:
        console.print(_pairs("Rejected rows by reason", rejects["by_code"], "reason code", "rows"))
        console.print(_pairs("Rejected rows by file", rejects["by_source"], "file", "rows"))
    imports = s["imports"]
    if imports["unfinished"]:
        warn(
            f"{imports['unfinished']} import(s) are still running or were interrupted; if none "
            "is running, run the same `curate import` again to complete them."
        )


def register(app: typer.Typer) -> None:
    """Add ``curate status`` to the app."""
    app.command(
        "status",
        help=(
            "Show the workspace at a glance: records by kind, origin (synthetic share against "
            "the limit), tags, review state, check results, duplicates, contamination and rejects."
        ),
        epilog=EXAMPLES,
    )(status_command)
