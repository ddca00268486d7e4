"""``inert`` and the console every command prints through: control characters shown, never sent."""

from __future__ import annotations

import io

from hypothesis import given
from hypothesis import strategies as st
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from curate.cli import output
from curate.cli.terminal import InertConsole, inert_text
from curate.inert import has_control, inert, inert_line

TITLE = "\x1b]2;PWNED\x1b\\"
CLEAR = "\x1b[2J"
UNSAFE = [chr(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0))] + [
    chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))
]


def printed(*renderables: object, terminal: bool = True) -> str:
    buf = io.StringIO()
    console = InertConsole(file=buf, force_terminal=terminal, width=100, highlight=False)
    for renderable in renderables:
        console.print(renderable)
    return buf.getvalue()


def test_every_unsafe_character_is_written_as_its_escape() -> None:
    for char in UNSAFE:
        shown = inert(char)
        if char in "\t\n":
            assert shown == char
        else:
            assert shown != char and shown.isascii() and shown.isprintable(), repr(char)
            assert shown == (f"\\x{ord(char):02x}" if ord(char) < 256 else f"\\u{ord(char):04x}")
    assert inert_line("a\nb") == "a\\x0ab" and inert_line(3) == "3"


@given(st.text())
def test_inert_leaves_nothing_a_terminal_obeys_and_is_idempotent(text: str) -> None:
    shown = inert(text)
    assert not has_control(shown)
    assert inert(shown) == shown
    assert not has_control(text) or shown != text
    assert "\n" not in inert_line(text)


def test_strings_text_tables_and_panels_print_inert() -> None:
    table = Table("file", "tags")
    table.add_row(f"evil{CLEAR}.jsonl", Text.assemble(("cat=", "dim"), (f"ops{TITLE}", "red")))
    out = printed(
        f"[red]Error:[/red] the file 'x{TITLE}' \x9b is gone \u202e",
        table,
        Panel(Text(f"hi{CLEAR}"), title=f"t{TITLE}"),
        Text(f"plain {TITLE}", style="bold"),
    )
    # rich's own escapes (colours) stay; none of the data's do
    for raw in (TITLE, CLEAR, "\x1b]", "\x9b", "\u202e"):
        assert raw not in out
    assert "\\x1b]2;PWNED\\x1b\\" in out and "evil\\x1b[2J.jsonl" in out and "\\u202e" in out
    assert "\x1b" not in printed(f"a{TITLE}", table, terminal=False)


def test_inert_text_keeps_styles_in_place() -> None:
    text = Text.assemble(("red", "red"), (f"x{CLEAR}y", "bold"), "z")
    shown = inert_text(text)
    assert shown.plain == "redx\\x1b[2Jyz"
    bold = {i for s in shown.spans if s.style == "bold" for i in range(s.start, s.end)}
    assert "".join(shown.plain[i] for i in sorted(bold)) == "x\\x1b[2Jy"
    assert bold == set(range(min(bold), max(bold) + 1))


def test_the_cli_and_train_consoles_are_inert() -> None:
    from train import cli as train_cli

    for console in (output.console, output.err_console, train_cli.out, train_cli.err):
        assert isinstance(console, InertConsole)


