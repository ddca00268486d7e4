"""A rich console that never lets the text it prints command the terminal (see ``curate.inert``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.console import Console, ConsoleOptions, RenderableType
from rich.segment import Segment
from rich.text import Span, Text

from curate.inert import UNSAFE_PATTERN, has_control, inert


def inert_text(text: Text) -> Text:
    """A copy of ``text`` with its control characters written visibly, styles kept in place.

    >>> inert_text(Text("a\\x1b[2Jb", style="bold")).plain
    'a\\\\x1b[2Jb'
    """
    if not has_control(text.plain):
        return text
    offsets = sorted({i for m in UNSAFE_PATTERN.finditer(text.plain) for i in m.span()})
    pieces = []
    for piece in text.divide(offsets):
        if has_control(piece.plain):
            shown = inert(piece.plain)
            spans = [Span(0, len(shown), span.style) for span in piece.spans]
            piece = Text(shown, style=piece.style, spans=spans, end="")
        pieces.append(piece)
    joined = Text("", style=text.style, end=text.end).join(pieces)
    joined.justify, joined.overflow, joined.no_wrap = text.justify, text.overflow, text.no_wrap
    return joined


class InertConsole(Console):
    """A ``Console`` whose printed text has its control characters written visibly.

    Strings are made inert before rich lays them out (so table columns keep their widths);
    every text segment is checked again on its way out, which covers ``Text`` objects and
    renderables built from data. rich's own control segments (colours, cursor moves of a
    progress bar) pass untouched: they are rich's, not the data's.
    """

    def render_str(self, text: str, **kwargs: Any) -> Text:
        return super().render_str(inert(text), **kwargs)

    def render(
        self, renderable: RenderableType, options: ConsoleOptions | None = None
    ) -> Iterable[Segment]:
        if isinstance(renderable, Text):
            renderable = inert_text(renderable)
        for segment in super().render(renderable, options):
            if segment.control is None and has_control(segment.text):
                yield Segment(inert(segment.text), segment.style)
            else:
                yield segment
