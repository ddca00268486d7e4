"""Every command's --help, curate's and train's, shows its text as written.

Typer renders help in rich markup mode, where a settings section such as ``[split]`` would
vanish as an unknown tag and leave a hole ("Defaults come from  in curate.toml").
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from curate.cli.main import app as curate_app
from curate.cli.output import literal
from curate.export.targets import all_targets, container_help
from train.cli import app as train_app

APPS = {"curate": curate_app, "train": train_app}
BRACKETED = re.compile(r"\\?\[([a-z#/@][^\[\]\n]*)\]")
WIDE = {"COLUMNS": "250", "TERMINAL_WIDTH": "250"}


def commands() -> list[tuple[str, list[str], Any]]:
    """(program, arguments before --help, click command) for every program and command."""
    out = []
    for prog, app in APPS.items():
        group = typer.main.get_command(app)
        out.append((prog, [], group))
        for name, command in group.commands.items():  # type: ignore[attr-defined]
            out.append((prog, [name], command))
    return out


def written_names(command: Any) -> set[str]:
    """The bracketed names in a command's help, epilog and option help, as its source has them."""
    texts = [command.help or "", command.epilog or "", command.short_help or ""]
    texts += [getattr(p, "help", None) or "" for p in command.params]
    return {m.group(1) for text in texts for m in BRACKETED.finditer(text)}


def render(prog: str, args: list[str]) -> str:
    result = CliRunner().invoke(APPS[prog], [*args, "--help"], env=WIDE)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize(
    ("prog", "args", "command"),
    commands(),
    ids=lambda v: v if isinstance(v, str) else " ".join(v) if isinstance(v, list) else "",
)
def test_help_shows_bracketed_names_and_no_stray_backslash(
    prog: str, args: list[str], command: Any
) -> None:
    shown = render(prog, args)
    for name in written_names(command):
        assert f"[{name}]" in shown, f"{prog} {' '.join(args)} --help lost [{name}]"
    assert "  in curate.toml" not in shown  # the hole a swallowed [section] leaves
    lines = shown.splitlines()
    for i, line in enumerate(lines):
        text = line.rstrip(" │")
        if text.endswith("\\"):  # only a shell line continuation inside an example
            following = lines[i + 1].strip() if i + 1 < len(lines) else ""
            assert following.startswith("--"), f"stray backslash: {line.strip()!r}"


def test_the_known_sections_are_shown() -> None:
    assert "Defaults come from [split] in curate.toml." in render("curate", ["split"])
    assert "when [export] require_real_approval" in render("curate", ["export"])
    inspect = render("curate", ["inspect"])
    assert "usage error or \\" not in inspect and "2 usage error or unreadable input" in inspect


def test_literal_escapes_markup_once() -> None:
    assert literal("from [split] in") == "from \\[split] in"
    assert literal(literal("[review.keys]")) == "\\[review.keys]"
    assert literal("[A] and [1] and a[0]") == "[A] and [1] and a[0]"  # not markup: unchanged


def test_container_help_lists_every_target_with_its_containers() -> None:
    text = container_help()
    listed: dict[str, tuple[str, ...]] = {}
    for containers, names in re.findall(r"([a-z]+(?: or [a-z]+)*) \(([^)]+)\)", text):
        for name in names.split(", "):
            listed[name] = tuple(containers.split(" or "))
    assert listed == {name: t.containers for name, t in all_targets().items()}
    assert "jsonl or json (completion)" in text
    shown = render("curate", ["export"])
    assert "jsonl or json (completion)" in shown and "jsonl or parquet (trl)" in shown


def test_train_has_short_help_and_version() -> None:
    short = CliRunner().invoke(train_app, ["-h"], env=WIDE)
    assert short.exit_code == 0 and "accelerate-config" in short.stdout
    version = CliRunner().invoke(train_app, ["--version"])
    assert version.exit_code == 0 and version.stdout.startswith("train ")
