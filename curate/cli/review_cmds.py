"""``curate approve``, ``curate reject`` and ``curate undo``: scripted review decisions.

Decisions are recorded exactly as the review screen records them: one event per record
with the reviewer, time, reason and previous state, all of one command in one transaction.
Each command is a session of its own (``cli-…``, with the command as typed); ``curate undo``
reverts the reviewer's last command, never a review screen's decisions unless asked for by
``--session``.
"""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from curate.cli.locking import WaitOpt, holding
from curate.cli.output import cli_errors, console, print_json
from curate.errors import UsageError
from curate.store import Batch, SessionTag, Where, parse_where
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
  curate {cmd} --all --wait 60     (queue behind another command changing the workspace)

Records replaced by an edit are never selected. `curate undo` reverts your last command
(never a review screen's decisions; see `curate undo --help`). While another command
changes the workspace (an import, an export, ...) this one refuses at once naming it, or
waits up to --wait seconds; the review screen is never blocked by it.
Exit codes: 0 recorded; 2 usage error (unknown id, bad filter, not in a workspace, busy)."""

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


def command_line(action: str, ids: list[str], all_: bool, where: list[str]) -> str:
    """The command as the user gave it (ids shown when few), kept with its decisions.

    >>> command_line("approve", [], True, [])
    'curate approve --all'
    >>> command_line("reject", [], False, ["origin=synthetic", "check=too_long"])
    'curate reject --where origin=synthetic --where check=too_long'
    >>> command_line("approve", ["a1", "b2", "c3", "d4"], False, [])
    'curate approve (4 ids)'
    """
    if all_:
        return f"curate {action} --all"
    if where:
        return f"curate {action} " + " ".join(f"--where {w}" for w in where)
    return f"curate {action} " + (" ".join(ids) if len(ids) <= 3 else f"({len(ids)} ids)")


def decide(
    action: str,
    ids: list[str] | None,
    all_: bool,
    where: list[str] | None,
    reviewer: str | None,
    reason: str | None,
    json_out: bool,
    wait: float = 0.0,
) -> None:
    past = {"approve": "Approved", "reject": "Rejected"}[action]
    with cli_errors(), find_workspace() as ws, holding(ws, f"curate {action}", wait):
        who = reviewer or ws.settings.review.reviewer
        chosen = select(ws, ids or [], all_, where or [])
        tag = SessionTag.new("cli", who, command_line(action, ids or [], all_, where or []))
        result = ws.store.record_decision(chosen, action, who, reason, session=tag)  # type: ignore[arg-type]
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
                "session": tag.id,
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
    wait: WaitOpt = 0.0,
    json_out: JsonOpt = False,
) -> None:
    """Approve records: by id, --all, or --where FIELD=VALUE."""
    decide("approve", ids, all_, where, reviewer, reason, json_out, wait)


def reject_command(
    ids: IdsArg = None,
    all_: AllOpt = False,
    where: WhereOpt = None,
    reviewer: ReviewerOpt = None,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why they are rejected (kept with the decision).")
    ] = None,
    wait: WaitOpt = 0.0,
    json_out: JsonOpt = False,
) -> None:
    """Reject records: by id, --all, or --where FIELD=VALUE. They stay in the workspace."""
    decide("reject", ids, all_, where, reviewer, reason, json_out, wait)


UNDO_EXAMPLES = """\b
Examples:
  curate undo --dry-run
  curate undo --json
  curate undo --session tui-3f2a9c0d

Without --session: the reviewer's last approve/reject command (or library call) whose
decisions are not undone yet; a review screen's decisions are undone there with u, or here
with --session ID (the id `curate undo` names when the latest decision came from one).
Records decided again since keep their newer decision. While another command changes the
workspace, undo refuses at once naming it, or waits up to --wait seconds (--dry-run changes
nothing and never waits). Exit codes: 0 undone or nothing to undo; 2 usage error or a busy
workspace."""


def _when(at: str) -> str:
    """``2026-12-03T08:40:12+00:00`` -> ``2026-12-03 08:40:12 UTC``."""
    return at.replace("T", " ").replace("+00:00", " UTC")


def _batch_json(batch: Batch | None) -> dict[str, Any] | None:
    if batch is None:
        return None
    return {
        "session": batch.session,
        "kind": batch.kind,
        "command": batch.command,
        "reviewer": batch.reviewer,
        "action": batch.action,
        "records": batch.count,
        "at": batch.at,
        "batch": batch.batch,
    }


def _describe(batch: Batch) -> str:
    """``approve of 9 records by `curate approve --all` (tester, 2026-12-03 08:40:12 UTC)``."""
    session = f", session {batch.session}" if batch.session else ""
    return (
        f"{batch.action} of {records(batch.count)} by {batch.describe()} "
        f"({batch.reviewer}, {_when(batch.at)}{session})"
    )


def undo_command(
    reviewer: ReviewerOpt = None,
    session: Annotated[
        str | None,
        typer.Option(
            "--session",
            help="Undo that session's last decision (an id such as tui-3f2a9c0d or cli-…).",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would be undone; change nothing.")
    ] = False,
    wait: WaitOpt = 0.0,
    json_out: JsonOpt = False,
) -> None:
    """Revert your last decision command with new events (nothing is deleted)."""
    with (
        cli_errors(),
        find_workspace() as ws,
        nullcontext() if dry_run else holding(ws, "curate undo", wait),
    ):
        who = reviewer or ws.settings.review.reviewer
        if session is not None:
            target = ws.store.last_decision(session=session)
        else:
            target = ws.store.last_decision(reviewer=who, commands=True)
        latest = ws.store.last_decision()
        undo = None
        if target is not None and not dry_run:
            tag = SessionTag.new(
                "cli", who, "curate undo" + (f" --session {session}" if session else "")
            )
            undo = ws.store.undo_last(who, session=session, by=tag, expect=target.batch)
        ids = ws.store.batch_ids(target.batch) if target is not None and dry_run else []
    elsewhere = latest if latest is not None and latest != target else None
    if json_out:
        print_json(
            {
                "reviewer": who,
                "session": session,
                "dry_run": dry_run,
                "undone": undo is not None,
                "action": target.action if target else None,
                "target": _batch_json(target),
                "restored": undo.restored if undo else [],
                "kept": undo.kept if undo else [],
                "would_revert": ids,
                "latest_elsewhere": _batch_json(elsewhere),
            }
        )
        return
    if target is None:
        whose = f"session {escape(session)}" if session else escape(who)
        console.print(f"Nothing to undo for {whose}.")
    elif dry_run:
        console.print(f"Would undo {escape(_describe(target))}; nothing was changed.")
    elif undo is not None:
        console.print(f"Undoing {escape(_describe(target))}.")
        console.print(f"Undid {undo.action} of {records(len(undo.restored))} as {escape(who)}.")
        if undo.kept:
            console.print(f"{records(len(undo.kept))} keep a later decision made since.")
    if elsewhere is not None:
        hint = (
            f" `curate undo --session {escape(elsewhere.session)}` reverts it."
            if elsewhere.session
            else ""
        )
        console.print(
            f"The latest decision in this workspace, {escape(_describe(elsewhere))}, "
            f"is not undone here.{hint}"
        )


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
        help=(
            "Revert your last approve/reject command with new events (nothing is deleted); "
            "--session ID reverts a review screen session's last decision."
        ),
        epilog=UNDO_EXAMPLES,
    )(undo_command)
