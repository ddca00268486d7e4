"""``curate review``: the review queue (a full-screen app), or its decision log for audits."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from curate.cli.output import cli_errors, console
from curate.errors import UsageError
from curate.review.filters import QueueFilters
from curate.workspace import find_workspace

EXAMPLES = """\b
Examples:
  curate review
  curate review --origin synthetic --check too_long
  curate review --tag category=spark --tag difficulty=hard
  curate review --cluster 0b5f3c9e2a7d41e8c6f1 --state all
  curate review --search "window function"
  curate review --json-decisions              # the decision log, JSON lines
  curate review --json-decisions audit.jsonl  # ... into a file
  curate review --ab ab.jsonl                 # blind A/B verdicts on a `train ab` file

Keys: a approve, r reject (with a reason), e edit (a new version),
s skip, u undo, n/p next/previous, / search, f filters,
w swap a preference pair, d dashboard, ? help, q quit.
Rebind them in curate.toml under \\[review.keys].
Every decision is saved before the next record shows.

Exit codes: 0 done; 2 usage error (bad filter, no workspace, no terminal)."""


def export_decisions(target: Path | None) -> int:
    """Write the workspace's decision log (JSON lines) to ``target`` or stdout."""
    from curate.io.atomic import atomic_path
    from curate.review.audit import write_decisions

    with find_workspace() as ws:
        if target is None:
            n = write_decisions(ws.store, sys.stdout.buffer)
            sys.stdout.flush()
            return n
        with atomic_path(target) as tmp, open(tmp, "wb") as fh:
            return write_decisions(ws.store, fh)


def require_cluster(cluster: str) -> None:
    """A --cluster id must name a cluster of the latest dedupe run (else a usage error)."""
    from curate.review.queue import ReviewQueue

    with find_workspace() as ws:
        queue = ReviewQueue(ws.store, QueueFilters.build(cluster=cluster, state="all"))
        if not queue.ids(limit=1):
            raise UsageError(
                f"No duplicate cluster '{cluster}' in the latest dedupe run.",
                "Run `curate dedupe --show` to list the clusters and their ids.",
            )


def review_command(
    file: Annotated[
        Path | None,
        typer.Argument(
            help="With --json-decisions: write the log here instead of stdout.", show_default=False
        ),
    ] = None,
    origin: Annotated[str | None, typer.Option("--origin", help="real or synthetic.")] = None,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", help="KEY=VALUE (repeatable, all must hold).")
    ] = None,
    check: Annotated[
        str | None, typer.Option("--check", help="Records failing this check code ('*': any).")
    ] = None,
    cluster: Annotated[
        str | None, typer.Option("--cluster", help="A duplicate cluster id.")
    ] = None,
    search: Annotated[str | None, typer.Option("--search", help="Text in the turns.")] = None,
    state: Annotated[
        str, typer.Option("--state", help="pending (what is left), approved, rejected or all.")
    ] = "pending",
    reviewer: Annotated[
        str | None,
        typer.Option("--reviewer", help="Who decides (default: review.reviewer, $USER)."),
    ] = None,
    json_decisions: Annotated[
        bool,
        typer.Option(
            "--json-decisions",
            help="Print every review event (who, when, what, previous state) as JSON lines and exit.",
        ),
    ] = False,
    ab: Annotated[
        Path | None,
        typer.Option(
            "--ab",
            help="Blind A/B review of a `train ab` file: Left/Right answers, 1 left better, "
            "2 right better, t tie, b both bad (\\[review.ab_keys]).",
        ),
    ] = None,
) -> None:
    """Review records one at a time: approve, reject, edit, skip; failing and synthetic first."""
    with cli_errors():
        if json_decisions:
            n = export_decisions(file)
            if file is not None:
                console.print(f"Wrote {n} review events to {file}.")
            return
        if file is not None:
            raise UsageError(
                f"Unexpected argument '{file}'.",
                "A file name goes only with --json-decisions.",
            )
        if ab is not None:
            review_ab(ab, reviewer)
            return
        QueueFilters.build(origin, tag, check, cluster, search, state)  # fail before importing
        if cluster:
            require_cluster(cluster.strip())
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            raise UsageError(
                "curate review needs a terminal.",
                "Run it in a terminal, or use curate approve / reject for scripts.",
            )
        from curate.errors import require

        require("textual", "tui")
        from curate.review.tui.app import create_app

        app = create_app(
            find_workspace(),
            reviewer=reviewer,
            origin=origin,
            tag=tag,
            check=check,
            cluster=cluster,
            search=search,
            state=state,
        )
        try:
            app.run()
        finally:
            app.workspace.close()


def review_ab(path: Path, reviewer: str | None) -> None:
    """The blind A/B review of ``path`` (verdicts in the workspace, else beside the file)."""
    from curate.ab.abfile import read_ab

    read_ab(path)  # a bad file fails before the terminal check
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError("curate review --ab needs a terminal.", "Run it in a terminal.")
    from curate.errors import require

    require("textual", "tui")
    from curate.review.tui.ab import create_ab_app

    create_ab_app(path, reviewer=reviewer).run()


def register(app: typer.Typer) -> None:
    """Add ``curate review`` to the app."""
    app.command(
        "review",
        help="Review records in a full-screen queue (approve, reject, edit, skip, undo), or "
        "export the decision log with --json-decisions.",
        epilog=EXAMPLES,
    )(review_command)
