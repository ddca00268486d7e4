"""The ``curate`` entry point: a typer app that collects every command module in curate/cli/.

A command module defines ``register(app: typer.Typer) -> None``; adding a command means
adding a module, never editing this one.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import typer

import curate.cli
from curate.cli.output import cli_errors, literal_help, version_callback

_NOT_COMMANDS = {"main", "output"}

HELP = (
    "Build, check and convert fine-tuning datasets.\n\n"
    "Every command takes --help; data commands take --json. Exit codes: 0 ok, 1 findings "
    "(rows rejected, checks failed), 2 usage error or unreadable input."
)


def command_modules() -> list[str]:
    """Names of the modules in curate/cli/ that may define commands, in a stable order."""
    names = [info.name for info in pkgutil.iter_modules(curate.cli.__path__)]
    return sorted(n for n in names if n not in _NOT_COMMANDS and not n.startswith("_"))


def build_app() -> typer.Typer:
    """The typer app with every discovered command registered (help shown as written)."""
    app = typer.Typer(
        name="curate",
        help=HELP,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_show_locals=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )

    @app.callback()
    def main(
        show_version: bool = typer.Option(
            False,
            "--version",
            callback=version_callback("curate"),
            is_eager=True,
            help="Show the version and exit.",
        ),
    ) -> None:
        """Build, check and convert fine-tuning datasets."""

    for name in command_modules():
        module = importlib.import_module(f"curate.cli.{name}")
        register = getattr(module, "register", None)
        if callable(register):
            register(app)
    return literal_help(app)


app = build_app()


def run() -> None:
    """Console-script entry point (``curate``)."""
    try:
        with cli_errors():
            app()
    except typer.Exit as exc:  # a domain error that escaped a command, already printed
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    run()
