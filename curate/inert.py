"""Text made inert for terminals: control characters in data, tags and file names shown visibly.

A record, a tag or a file name may hold bytes a terminal obeys: ``ESC ] 2 ; … ESC \\`` retitles
the window, ``ESC [ 2 J`` clears the screen, ``0x9b`` is a one-byte CSI, and the bidi overrides
reorder what a line seems to say. Everything curate shows in a terminal passes through
``inert``, which writes each such character as its escape, the way Python writes it in a
string literal: ``\\x1b`` for ESC, ``\\x7f`` for DEL, ``\\x9b`` for a C1 control and
``\\u202e`` for a bidi override. Newlines and tabs are kept where the layout allows them.
``--json`` output is not passed through here: it keeps the exact text.
"""

from __future__ import annotations

import re

# DEL, the C1 controls, and the bidi embeddings, overrides and isolates
_REST = r"\x7f-\x9f\u202a-\u202e\u2066-\u2069"
# ... with every C0 control but the tab
_UNSAFE_RE = re.compile(rf"[\x00-\x08\x0a-\x1f{_REST}]")
# ... with every C0 control but the tab and the newline
_UNSAFE_KEEP_NEWLINES_RE = re.compile(rf"[\x00-\x08\x0b-\x1f{_REST}]")
UNSAFE_PATTERN = _UNSAFE_KEEP_NEWLINES_RE


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def inert(text: str, *, newlines: bool = True) -> str:
    """``text`` with every control character a terminal would obey written as its escape.

    ``newlines``: keep ``\\n`` (multi-line views); False writes it as ``\\x0a`` too (one-line
    cells, titles, file names). Tabs are always kept.

    >>> inert("\\x1b]2;PWNED\\x1b\\\\ hi")
    '\\\\x1b]2;PWNED\\\\x1b\\\\ hi'
    >>> inert("a\\u202eb\\x9bc\\rd\\n")
    'a\\\\u202eb\\\\x9bc\\\\x0dd\\n'
    >>> inert("one\\ntwo", newlines=False)
    'one\\\\x0atwo'
    >>> inert(inert("\\x1b[2J")) == inert("\\x1b[2J")
    True
    """
    pattern = _UNSAFE_KEEP_NEWLINES_RE if newlines else _UNSAFE_RE
    if pattern.search(text) is None:
        return text
    return pattern.sub(_visible, text)


def inert_line(text: object) -> str:
    """``str(text)`` on one line, made inert: for table cells, titles, tags and file names."""
    return inert(str(text), newlines=False)


def has_control(text: str) -> bool:
    """``text`` holds a character ``inert`` would rewrite (newlines and tabs aside)."""
    return _UNSAFE_KEEP_NEWLINES_RE.search(text) is not None
