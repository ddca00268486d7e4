"""What every command shares: consoles, --json printing, exit codes, errors, progress bars,
literal help text and the --version option.

Exit codes: 0 ok, 1 findings (rows rejected, checks failed), 2 usage error or unreadable
input. A ``CurateError`` becomes one red sentence with its fix on stderr and exit 2, never a
traceback.
"""

from __future__ import annotations

import contextlib
import inspect
import re
from collections.abc import Callable, Iterator
from importlib.metadata import PackageNotFoundError, version
from typing import Any, NoReturn

import orjson
import typer
from rich.markup import escape

from curate.cli.terminal import InertConsole
from curate.errors import CurateError

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

# Control characters in what they print are shown visibly (see curate.inert); --json is exact.
console = InertConsole(highlight=False, soft_wrap=True)
err_console = InertConsole(stderr=True, highlight=False, soft_wrap=True)

# Show a progress bar only for inputs at least this big (smaller ones finish in under a second).
PROGRESS_MIN_BYTES = 16 * 1024 * 1024

# An opening bracket that rich would read as the start of a markup tag, not already escaped.
_MARKUP_OPEN = re.compile(r"(?<!\\)\[(?=[a-z#/@][^\[]*?\])")


def print_json(data: Any) -> None:
    """Print one JSON document on stdout (the ``--json`` output of a command)."""
    text = orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS, default=str)
    typer.echo(text.decode())


def fail(error: CurateError) -> NoReturn:
    """Print a domain error as one sentence (and its fix) and exit 2."""
    message = escape(error.message)
    fix = f" {escape(error.fix)}" if error.fix else ""
    err_console.print(f"[bold red]Error:[/bold red] {message}{fix}", soft_wrap=True)
    raise typer.Exit(error.exit_code)


def warn(message: str) -> None:
    """A yellow warning line on stderr."""
    err_console.print(f"[yellow]Warning:[/yellow] {escape(message)}", soft_wrap=True)


@contextlib.contextmanager
def cli_errors() -> Iterator[None]:
    """Turn domain errors and Ctrl-C into a sentence and an exit code."""
    try:
        yield
    except CurateError as exc:
        fail(exc)
    except OSError as exc:  # the machine, not the data: a full disk, a vanished folder
        where = f" ({exc.filename})" if exc.filename else ""
        fail(CurateError(f"A file operation failed: {exc.strerror or exc}{where}."))
    except KeyboardInterrupt:
        err_console.print("[red]Interrupted.[/red] Nothing was written.")
        raise typer.Exit(EXIT_INTERRUPTED) from None


def exit_with(code: int) -> None:
    """End the command with ``code`` (a no-op for 0)."""
    if code:
        raise typer.Exit(code)


def show_progress(total_bytes: int) -> bool:
    """A progress bar is worth showing: stderr is a terminal and the input is big."""
    return err_console.is_terminal and total_bytes >= PROGRESS_MIN_BYTES


@contextlib.contextmanager
def byte_progress(label: str, total_bytes: int) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar over input bytes on stderr, or None when not worth showing.

    Yields a ``progress(done, total)`` callback for the pipelines.
    """
    if not show_progress(total_bytes):
        yield None
        return
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    # 4 redraws a second: each is a few ms of the GIL taken from the pipeline (rich's default is 10)
    with Progress(*columns, console=err_console, transient=True, refresh_per_second=4) as bar:
        task = bar.add_task(label, total=total_bytes)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


PROGRESS_MIN_RECORDS = 20_000


@contextlib.contextmanager
def record_progress(
    label: str, total: int, min_total: int = PROGRESS_MIN_RECORDS
) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on stderr for at least ``min_total`` items on a terminal, else None."""
    if total < min_total or not err_console.is_terminal:
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda done, n: bar.update(task, completed=done, total=n)


def is_terminal() -> bool:
    """stdout is a terminal (rich tables) rather than a pipe or file (plain lines)."""
    return console.is_terminal


def literal(text: str) -> str:
    """Help text with every ``[name]`` shown as written rather than read as rich markup.

    Idempotent: an already escaped ``\\[name]`` stays as it is.

    >>> literal("Defaults come from [split] in curate.toml.")
    'Defaults come from \\\\[split] in curate.toml.'
    >>> literal(literal("[review.keys]")) == literal("[review.keys]")
    True
    """
    return _MARKUP_OPEN.sub(r"\\[", text)


def literal_help(app: typer.Typer) -> typer.Typer:
    """Make the help, docstring and epilog of every command of ``app`` literal text.

    Typer renders help in rich markup mode, where a settings section such as ``[split]``
    would vanish as an unknown tag. Call this once every command is registered.
    """
    if isinstance(app.info.help, str):
        app.info.help = literal(app.info.help)
    for info in app.registered_commands:
        text = info.help if info.help is not None else inspect.getdoc(info.callback)
        if text is not None:
            info.help = literal(text)
        if info.epilog is not None:
            info.epilog = literal(info.epilog)
    for group in app.registered_groups:
        if group.typer_instance is not None:
            literal_help(group.typer_instance)
    return app


def package_version() -> str:
    """The installed curate-ft version, or ``(not installed)``."""
    try:
        return version("curate-ft")
    except PackageNotFoundError:
        return "(not installed)"


def version_callback(prog: str) -> Callable[[bool], None]:
    """The callback of an eager ``--version`` option: print ``PROG VERSION`` and exit."""

    def show(value: bool) -> None:
        if value:
            typer.echo(f"{prog} {package_version()}")
            raise typer.Exit()

    return show
