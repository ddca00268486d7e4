"""``curate approve``, ``curate reject`` and ``curate undo``: scripted review decisions.

Decisions are recorded exactly as the review screen records them: one event per record
with the reviewer, time, reason and previous state, all of one command in one transaction.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from curate.cli.output import cli_errors, console, print_json
from curate.errors import UsageError
from curate.store import Where, parse_where
from curate.workspace import Workspace, find_workspace

WHERE_HELP = (
    "Select records by FIELD=VALUE (repeatable, all must hold): origin=synthetic, "
    "tag:category=spark, check=CODE, source=FILE, state=pending, kind=sft, split=test."
)
EXAMPLES = """\b
Examples:
  curate {cmd} 3f2a9c0d1e2b4a5c6d7e
  curate {cmd} --where origin=synthetic --where tag:category=spark
  curate {cmd} --where check=too_long{reason}
  curate {cmd} --all --reviewer alice --json

Records replaced by an edit are never selected. `curate undo` reverts your last command.
Exit codes: 0 recorded; 2 usage error (unknown id, bad filter, not in a workspace)."""

IdsArg = Annotated[list[str] | None, typer.Argument(help="Record ids.", show_default=False)]
AllOpt = Annotated[bool, typer.Option("--all", help="Every record (not replaced by an edit).")]
WhereOpt = Annotated[list[str] | None, typer.Option("--where", "-w", help=WHERE_HELP)]
ReviewerOpt = Annotated[
    str | None, typer.Option("--reviewer", help="Who decides (default: review.reviewer, $USER).")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print what was recorded as JSON.")]


def records(n: int) -> str:
    """``1 record`` / ``3 records``."""
    return f"{n} record" if n == 1 else f"{n} records"


def _filters(ws: Workspace, where: list[str]) -> list[Where]:
    filters = []
    for text in where:
        w = parse_where(text)
        if w.field == "source" and Path(w.value).exists():
            w = Where("source", ws.source_key(w.value), negate=w.negate)
        filters.append(w)
    return filters


def select(ws: Workspace, ids: list[str], all_: bool, where: list[str]) -> list[str]:
    """The ids a command acts on: given ids, every record, or the records a filter selects."""
    given = sum([bool(ids), all_, bool(where)])
    if given != 1:
        raise UsageError(
            "Say which records: give ids, --all, or --where FIELD=VALUE (exactly one of them).",
            "For example: --where origin=synthetic",
        )
    if ids:
        return ids
    return ws.store.select_ids([*_filters(ws, where), Where("state", "edited", negate=True)])


def decide(
    action: str,
    ids: list[str] | None,
    all_: bool,
    where: list[str] | None,
    reviewer: str | None,
    reason: str | None,
    json_out: bool,
) -> None:
    past = {"approve": "Approved", "reject": "Rejected"}[action]
    with cli_errors(), find_workspace() as ws:
        who = reviewer or ws.settings.review.reviewer
        chosen = select(ws, ids or [], all_, where or [])
        result = ws.store.record_decision(chosen, action, who, reason)  # type: ignore[arg-type]
    if json_out:
        print_json(
            {
                "action": action,
                "reviewer": who,
                "reason": reason,
                "matched": len(chosen),
                "changed": len(result.changed),
                "unchanged": len(result.unchanged),
                "batch": result.batch,
                "ids": result.changed,
            }
        )
        return
    if not chosen:
        console.print("No records matched; nothing was recorded.")
        return
    state = "approved" if action == "approve" else "rejected"
    extra = f" ({len(result.unchanged)} already {state})" if result.unchanged else ""
    console.print(f"{past} {records(len(result.changed))}{extra} as {escape(who)}.")


def approve_command(
    ids: IdsArg = None,
    all_: AllOpt = False,
    where: WhereOpt = None,
    reviewer: ReviewerOpt = None,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why (kept with the decision).")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Approve records: by id, --all, or --where FIELD=VALUE."""
    decide("approve", ids, all_, where, reviewer, reason, json_out)


def reject_command(
    ids: IdsArg = None,
    all_: AllOpt = False,
    where: WhereOpt = None,
    reviewer: ReviewerOpt = None,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why they are rejected (kept with the decision).")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Reject records: by id, --all, or --where FIELD=VALUE. They stay in the workspace."""
    decide("reject", ids, all_, where, reviewer, reason, json_out)


def undo_command(reviewer: ReviewerOpt = None, json_out: JsonOpt = False) -> None:
    """Revert the reviewer's last decision command (a new event; nothing is deleted)."""
    with cli_errors(), find_workspace() as ws:
        who = reviewer or ws.settings.review.reviewer
        undo = ws.store.undo_last(who)
    if json_out:
        print_json(
            {
                "reviewer": who,
                "undone": undo is not None,
                "action": undo.action if undo else None,
                "restored": undo.restored if undo else [],
                "kept": undo.kept if undo else [],
            }
        )
        return
    if undo is None:
        console.print(f"Nothing to undo for {escape(who)}.")
        return
    console.print(f"Undid {undo.action} of {records(len(undo.restored))} as {escape(who)}.")
    if undo.kept:
        console.print(f"{records(len(undo.kept))} keep a later decision made since.")


def register(app: typer.Typer) -> None:
    """Add ``curate approve``, ``curate reject`` and ``curate undo`` to the app."""
    app.command(
        "approve",
        help="Approve records by id, --all, or --where FIELD=VALUE; recorded with who and when.",
        epilog=EXAMPLES.format(cmd="approve", reason=""),
    )(approve_command)
    app.command(
        "reject",
        help="Reject records by id, --all, or --where FIELD=VALUE; they stay in the workspace.",
        epilog=EXAMPLES.format(cmd="reject", reason=' --reason "over the token limit"'),
    )(reject_command)
    app.command(
        "undo",
        help="Revert your last approve/reject command with a new event (nothing is deleted).",
    )(undo_command)
