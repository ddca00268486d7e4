"""The ``curate`` entry point: a typer app that collects every command module in curate/cli/.

A command module defines ``register(app: typer.Typer) -> None``; adding a command means
adding a module, never editing this one. ``curate NAME ...`` registers only the module named
like the command (``convert.py``, ``import_cmd.py``) when that module defines it, so a command
does not pay for importing every other command's dependencies at start-up; anything else
(``curate --help``, a group or a misspelt name) builds the whole app.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import typer

from curate.cli.output import cli_errors, literal_help, version_callback
from curate.discover import discover, module_names

_NOT_COMMANDS = {"main", "output", "terminal"}

HELP = (
    "Build, check and convert fine-tuning datasets.\n\n"
    "Every command takes --help; data commands take --json. Exit codes: 0 ok, 1 findings "
    "(rows rejected, checks failed), 2 usage error or unreadable input."
)


def command_modules() -> list[str]:
    """Names of the modules in curate/cli/ that may define commands, in a stable order."""
    return module_names("curate.cli", skip=_NOT_COMMANDS)


def _new_app() -> typer.Typer:
    """The bare app: its help and the --version option, no commands yet."""
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

    return app


def _register(app: typer.Typer, module_name: str) -> None:
    module = importlib.import_module(f"curate.cli.{module_name}")
    register = getattr(module, "register", None)
    if callable(register):
        register(app)


def _registered(app: typer.Typer) -> set[str]:
    """The names of the commands and groups registered on ``app``."""
    names = {info.name for info in app.registered_commands if info.name}
    names.update(group.name for group in app.registered_groups if group.name)
    return names


def build_app(command: str | None = None) -> typer.Typer:
    """The typer app with every discovered command registered (help shown as written).

    Given the name of the ``command`` about to run, only its own module (``NAME.py`` or
    ``NAME_cmd.py``) is registered when that module defines it.
    """
    modules = command_modules()
    if command:
        stem = command.replace("-", "_")
        for own in (stem, f"{stem}_cmd"):
            if own in modules:
                app = _new_app()
                _register(app, own)
                if command in _registered(app):
                    return literal_help(app)
    app = _new_app()
    for register in discover("curate.cli", "register", skip=_NOT_COMMANDS).values():
        if callable(register):
            register(app)
    return literal_help(app)


def __getattr__(name: str) -> Any:
    """``app``, the whole app, is built on first use (``run`` builds only what it needs)."""
    if name == "app":
        app = build_app()
        globals()["app"] = app
        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def run() -> None:
    """Console-script entry point (``curate``)."""
    args = sys.argv[1:]
    command = args[0] if args and not args[0].startswith("-") else None
    try:
        with cli_errors():
            build_app(command)()
    except typer.Exit as exc:  # a domain error that escaped a command, already printed
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    run()
