"""The workspace lock in the CLI: ``--wait SECONDS`` and the command line naming the holder."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from curate.workspace import Workspace

WAIT_HELP = (
    "Seconds to wait for another command changing the workspace (default: refuse at once, "
    "naming it)."
)
WaitOpt = Annotated[float, typer.Option("--wait", min=0, help=WAIT_HELP, show_default=False)]
QUEUE_FIX = "Let it finish (or stop it), or pass --wait SECONDS to queue behind it."


def command_line(default: str) -> str:
    """This process's command line as ``curate ...`` with URL secrets masked, or ``default``
    when it was not started as the curate command."""
    from curate.providers.keys import mask_urls

    argv = sys.argv
    if argv and "curate" in argv[0] and len(argv) > 1:
        return mask_urls(shlex.join(["curate", *argv[1:]]))
    return default


@contextmanager
def holding(ws: Workspace, default: str, wait: float = 0.0) -> Iterator[None]:
    """Hold the workspace lock for the block, named by this command line; refuse with
    WorkspaceBusy (exit 2, the holder named) after ``wait`` seconds."""
    from curate.store.lock import WorkspaceBusy

    try:
        lock = ws.lock(command_line(default)).acquire(wait)
    except WorkspaceBusy as exc:
        exc.fix = QUEUE_FIX
        raise
    try:
        yield
    finally:
        lock.release()


def hold_until_done(ctx: typer.Context, ws: Workspace, default: str, wait: float = 0.0) -> None:
    """Take the workspace lock as :func:`holding` does and keep it until the command of
    ``ctx`` ends, however it ends (for work spanning several blocks: export's plan and write)."""
    ctx.with_resource(holding(ws, default, wait))
