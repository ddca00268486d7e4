"""``curate export``: the reviewed workspace as files for a trainer or a provider."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from curate.cli.locking import WaitOpt, hold_until_done
from curate.cli.output import (
    EXIT_FINDINGS,
    cli_errors,
    console,
    err_console,
    exit_with,
    fail,
    print_json,
)
from curate.errors import CurateError
from curate.export.targets import container_help

if TYPE_CHECKING:
    from curate.export import ExportPlan, ExportResult

EXAMPLES = """\b
Examples:
  curate export --format trl --out exports/sft
  curate export --format trl --kind preference --container parquet --out exports/dpo
  curate export --format openai-jsonl --out exports/openai --cap-synthetic
  curate export --format llama-factory --out exports/lf --json
  curate export --format trl --out exports/sft --wait 600     (queue behind another command)

Formats: openai-jsonl, openai-preference, trl, alpaca, sharegpt, llama-factory, completion.
By default only records without an error finding in `curate validate`
(warnings are kept; severities come from the rubric), that represent their
duplicate cluster, are not contaminated and are approved (synthetic ones
always; real ones when [export] require_real_approval) leave the workspace;
every other record is counted by reason, failed_checks by code. Approval
outranks errors only with export.approved_overrides_errors in the rubric.
A split over max_synthetic_share is refused unless --cap-synthetic.
While another command changes the workspace, export refuses at once
naming it (nothing written), or waits up to --wait seconds.
Exit codes: 0 written; 1 written but some records could not be held by the
format, or refused (synthetic share, nothing to export, a file that did not
read back); 2 usage error or a busy workspace."""


@contextlib.contextmanager
def working(label: str) -> Iterator[None]:
    """A spinner on stderr while a step runs (only on a terminal: big workspaces take seconds)."""
    if not err_console.is_terminal:
        yield
        return
    with err_console.status(label):
        yield


def export_command(
    ctx: typer.Context,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="Target format (see below).", show_default=False)
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help=(
                "Folder to write (created; an earlier export there is replaced only when its "
                "manifest lists every file in it)."
            ),
            show_default=False,
        ),
    ],
    container: Annotated[
        str | None,
        typer.Option(
            "--container",
            help=container_help(),
        ),
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            help="sft or preference, for formats that hold both (default: what the workspace holds, sft first).",
        ),
    ] = None,
    cap_synthetic: Annotated[
        bool,
        typer.Option(
            "--cap-synthetic",
            help="Down-sample synthetic records (best quality first) to fit the share limit instead of refusing.",
        ),
    ] = False,
    include_unapproved: Annotated[
        bool,
        typer.Option(
            "--include-unapproved", help="Export records nobody approved (the manifest says so)."
        ),
    ] = False,
    skip_checks: Annotated[
        bool,
        typer.Option("--skip-checks", help="Export without the checklist (the manifest says so)."),
    ] = False,
    name: Annotated[
        str | None,
        typer.Option(
            "--name",
            help="Dataset name in the card and dataset_info.json (default: the folder name).",
        ),
    ] = None,
    wait: WaitOpt = 0.0,
    json_out: Annotated[bool, typer.Option("--json", help="Print the outcome as JSON.")] = False,
) -> None:
    """Export the workspace's train/validation/test splits in a trainer's or provider's format."""
    from curate.export import plan_export, write_export
    from curate.export.atomic import check_target
    from curate.workspace import find_workspace

    if kind is not None and kind not in ("sft", "preference"):
        with cli_errors():
            raise CurateError(f"Unknown kind '{kind}'.", "Use --kind sft or --kind preference.")
    with cli_errors(), find_workspace() as ws, working("Applying the export policy"):
        hold_until_done(ctx, ws, "curate export", wait)  # from planning until written
        check_target(Path(os.path.abspath(out)), ws.root)  # refuse before planning, too
        plan = plan_export(
            ws,
            fmt,
            kind=kind,
            container=container,
            cap_synthetic=cap_synthetic,
            include_unapproved=include_unapproved,
            skip_checks=skip_checks,
        )
    if not json_out:
        show_plan(plan)
    if plan.refusal is not None:
        refusal = plan.refusal
        if json_out:
            from curate.export import NothingToExport

            if isinstance(refusal, NothingToExport):
                refusal = refusal.for_json()  # nothing was printed above the JSON
            print_json(summary(plan, None) | {"written": False, "refused": str(refusal)})
        fail(refusal)
    with cli_errors(), working("Writing and re-reading the export"):
        result = write_export(plan, out, name, ws.root)
    if json_out:
        print_json(summary(plan, result) | {"written": True})
    else:
        show_result(result)
    unsupported = plan.selection.left_out.get("unsupported_in_target", 0)
    exit_with(EXIT_FINDINGS if unsupported else 0)


def summary(plan: ExportPlan, result: ExportResult | None) -> dict[str, Any]:
    """The --json object: policy, counts, what was left out and why, and where it went."""
    from curate.export.manifest import policy_section

    shares = {s: round(v.share, 4) for s, v in plan.shares.items()}
    shares["overall"] = round(plan.overall.share, 4)
    out: dict[str, Any] = {
        "format": plan.target.name,
        "kind": plan.options.kind,
        "container": plan.container,
        "counts": {s: len(rows) for s, rows in plan.rows.items()},
        "exported": sum(len(rows) for rows in plan.rows.values()),
        "left_out": plan.selection.left_out_dict(),
        "left_out_examples": {
            k: plan.selection.examples[k] for k in plan.selection.left_out_dict()
        },
        "failed_checks_by_code": plan.selection.failed_checks_by_code(),
        "exported_findings": plan.findings,
        "synthetic_share": shares,
        "max_synthetic_share": plan.options.max_synthetic_share,
        "policy": policy_section(plan),
        "unsupported": plan.unsupported,
    }
    if result is not None:
        out["out"] = str(result.out)
        out["files"] = result.manifest["files"]
        out["manifest"] = str(Path(result.out) / "manifest.json")
    return out


def show_plan(plan: ExportPlan) -> None:
    """The policy, the counts and what was left out, printed before anything is written."""
    from curate.export.manifest import findings_notes
    from curate.export.policy import describe_left_out

    console.print(f"[bold]Policy[/bold] ({escape(plan.target.name)}, {plan.options.kind}):")
    for rule in plan.rules:
        console.print(f"  - {escape(rule)}")
    counts = ", ".join(f"{s} {len(rows)}" for s, rows in plan.rows.items())
    exported = sum(len(rows) for rows in plan.rows.values())
    console.print(
        f"Considered {plan.selection.considered} records: exporting {exported} ({counts})."
    )
    left = plan.selection.left_out_dict()
    if left:
        by_code = plan.selection.failed_checks_by_code()
        console.print("Left out: " + escape(describe_left_out(left, by_code)) + ".")
    for note in findings_notes(plan):
        console.print(escape(note))
    for line in plan.unsupported:
        err_console.print(f"  [yellow]unsupported_in_target[/yellow] {escape(line)}")
    for note in plan.notes:
        console.print(f"[dim]{escape(note)}[/dim]")
    shares = ", ".join(f"{s} {v.share:.1%}" for s, v in plan.shares.items() if v.total)
    console.print(
        f"Synthetic share: {shares or 'no records'} (limit {plan.options.max_synthetic_share:.0%})."
    )


def show_result(result: ExportResult) -> None:
    m = result.manifest
    console.print(f"[green]Wrote[/green] {escape(str(result.out))}/")
    for entry in m["files"].values():
        console.print(f"  {entry['path']}  {entry['rows']} rows  sha256 {entry['sha256'][:12]}")
    for name in m["other_files"]:
        console.print(f"  {escape(name)}")
    console.print("  manifest.json")
    rows = sum(v["rows"] for v in m["verification"].values())
    console.print(f"Re-read check: {rows} rows read back as the records written, 0 rejects.")


def register(app: typer.Typer) -> None:
    """Add ``curate export`` to the app."""
    app.command(
        "export",
        help=(
            "Write the workspace's splits in a trainer's or provider's format, with a "
            "manifest.json and a dataset card, under an explicit, counted policy."
        ),
        epilog=EXAMPLES,
    )(export_command)
