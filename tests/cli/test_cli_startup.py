"""``curate NAME`` registers only NAME's own module: same help and behaviour, less start-up."""

from __future__ import annotations

import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

from curate.cli.main import app as full_app
from curate.cli.main import build_app

runner = CliRunner()
WIDE = {"COLUMNS": "200", "TERMINAL_WIDTH": "200"}
NAMES = sorted(typer.main.get_command(full_app).commands)  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", NAMES)
def test_a_command_alone_has_the_same_help_as_in_the_whole_app(name: str) -> None:
    alone = runner.invoke(build_app(name), [name, "--help"], env=WIDE)
    whole = runner.invoke(full_app, [name, "--help"], env=WIDE)
    assert alone.exit_code == whole.exit_code == 0
    assert alone.output == whole.output


def test_unknown_and_option_first_invocations_build_the_whole_app() -> None:
    whole = set(typer.main.get_command(full_app).commands)  # type: ignore[attr-defined]
    for command in (None, "no-such-command", "main", "output"):
        assert set(typer.main.get_command(build_app(command)).commands) == whole  # type: ignore[attr-defined]


def test_curate_convert_imports_no_other_command_module() -> None:
    code = (
        "import sys\n"
        "sys.argv = ['curate', 'convert', '--help']\n"
        "from curate.cli.main import run\n"
        "try:\n"
        "    run()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('MODULES', ' '.join(m for m in sys.modules if m.startswith('curate.')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    loaded = set(done.stdout.split("MODULES", 1)[1].split())
    shared = {"curate.cli.main", "curate.cli.output", "curate.cli.terminal"}
    commands = {m for m in loaded if m.startswith("curate.cli.")} - shared
    assert commands == {"curate.cli.convert"}
    assert not {"curate.synth.generate", "curate.workspace", "curate.store"} & loaded
