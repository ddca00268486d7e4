"""Rich renderables for the review screen: turns, provenance, checks, cluster and progress."""

from __future__ import annotations

import orjson
from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.markdown import Markdown
from rich.measure import Measurement
from rich.panel import Panel
from rich.syntax import Syntax
from rich.text import Text

from curate.inert import inert, inert_line
from curate.records import Message
from curate.review.item import ReviewItem
from curate.review.stats import HeaderStats

ROLE_STYLE = {"system": "magenta", "user": "cyan", "assistant": "green", "tool": "yellow"}
STATE_STYLE = {"pending": "yellow", "approved": "green", "rejected": "red", "edited": "blue"}
CODE_THEME = "monokai"


class Cached:
    """Renders its renderable once per set of console options and replays the segments.

    Textual renders a widget's content twice per layout (once to measure its height, once to
    paint it); replaying the first render halves the cost of showing a record.
    """

    def __init__(self, renderable: RenderableType) -> None:
        self.renderable = renderable
        self._lines: dict[tuple, list] = {}

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        key = (
            options.max_width,
            options.min_width,
            options.height,
            options.justify,
            options.overflow,
            options.no_wrap,
            options.highlight,
            options.markup,
        )
        segments = self._lines.get(key)
        if segments is None:
            segments = self._lines[key] = list(console.render(self.renderable, options))
        yield from segments

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self.renderable)


def _json_text(text: str) -> RenderableType | None:
    """Highlighted JSON when ``text`` is a JSON object or array (tool results often are)."""
    stripped = text.strip()
    if not stripped.startswith(("{", "[")):
        return None
    try:
        value = orjson.loads(stripped)
    except orjson.JSONDecodeError:
        return None
    pretty = inert(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode())
    return Syntax(pretty, "json", theme=CODE_THEME, word_wrap=True, background_color="default")


def turn(message: Message) -> RenderableType:
    """One turn in a bordered panel titled with its role: Markdown with highlighted code."""
    parts: list[RenderableType] = []
    content = inert(message.content or "")  # control characters shown, never sent
    if content:
        as_json = _json_text(content) if message.role == "tool" else None
        parts.append(as_json or Markdown(content, code_theme=CODE_THEME, hyperlinks=False))
    for call in message.tool_calls or []:
        try:
            args = orjson.dumps(orjson.loads(call.function.arguments), option=orjson.OPT_INDENT_2)
            shown = inert(args.decode())
        except orjson.JSONDecodeError:
            shown = inert(call.function.arguments)
        title = Text.assemble(
            ("tool call ", "bold yellow"), (inert_line(call.function.name), "bold")
        )
        if call.id:
            title.append(f"  id {inert_line(call.id)}", style="dim")
        parts += [
            title,
            Syntax(shown, "json", theme=CODE_THEME, word_wrap=True, background_color="default"),
        ]
    if not parts:
        parts.append(Text("(empty)", style="dim italic"))
    title = message.role + (f" · {message.name}" if message.name else "")
    if message.tool_call_id:
        title += f" · answers {message.tool_call_id}"
    if message.weight == 0:
        title += " · weight 0"
    style = ROLE_STYLE.get(message.role, "white")
    return Panel(
        Group(*parts),
        title=Text.assemble((inert_line(title), f"bold {style}")),
        title_align="left",
        border_style=style,
        box=box.ROUNDED,
        padding=(0, 1),
    )


def conversation(messages: list[Message]) -> RenderableType:
    """Every turn, in order."""
    if not messages:
        return Text("(no turns)", style="dim italic")
    return Group(*(turn(m) for m in messages))


def side(title: str, messages: list[Message], style: str) -> RenderableType:
    """One side of a preference pair under a coloured title."""
    return Group(Text(title, style=f"bold {style}"), conversation(messages))


def _kv(rows: list[tuple[str, str | None]]) -> Text:
    """``key  value`` lines with the keys in one column (plain text: cheap to lay out)."""
    shown = [(inert_line(k), inert_line(v)) for k, v in rows if v not in (None, "")]
    pad = max((len(k) for k, _ in shown), default=0) + 1
    text = Text()
    for i, (key, value) in enumerate(shown):
        if i:
            text.append("\n")
        text.append(key.ljust(pad), style="dim")
        text.append(value)
    return text


def provenance(item: ReviewItem) -> RenderableType:
    """Where the record came from."""
    p = item.record.provenance
    source = (
        p.source_file + (f":{p.source_line}" if p.source_line else "") if p.source_file else None
    )
    rows = [
        ("origin", p.origin),
        ("source", source),
        ("format", p.source_format),
        ("importer", p.importer),
        ("imported", p.imported_at),
        ("provider", p.generator_provider),
        ("model", p.generator_model),
        ("template", p.template),
        ("prompt", p.prompt_hash),
        ("request", p.request_id),
        ("created", p.created_at),
        ("parent", item.record.parent_id),
    ]
    rows += [(f"tag {k}", v) for k, v in sorted(item.record.tags.items())]
    return Panel(_kv(rows), title="Provenance", title_align="left", box=box.ROUNDED)


def checks(item: ReviewItem) -> RenderableType:
    """Check results with reason codes and scores (failures first)."""
    if item.checks is None:
        body: RenderableType = Text("Not checked yet: run `curate validate`.", style="dim")
    elif not item.checks:
        body = Text("Not in the latest check run (added since).", style="dim")
    else:
        text = Text()
        for i, c in enumerate(item.checks):
            if i:
                text.append("\n")
            text.append("✓ " if c.passed else "✗ ", style="green" if c.passed else "bold red")
            text.append(inert_line(c.code), style="" if c.passed else "bold")
            if c.score is not None:
                text.append(f"  score {c.score:g}", style="cyan")
            if c.detail:
                text.append(f"\n  {inert(c.detail)}", style="dim")
        body = text
    failed = len(item.failed)
    title = "Checks" + (f" · {failed} failed" if failed else "")
    return Panel(
        body, title=title, title_align="left", box=box.ROUNDED, border_style="red" if failed else ""
    )


def cluster(item: ReviewItem) -> RenderableType:
    """The record's duplicate cluster and a few of its members."""
    c = item.cluster
    if c is None:
        text = "Not a duplicate of another record." if item.dedupe_ran else "No dedupe run yet."
        return Panel(
            Text(text, style="dim"), title="Duplicates", title_align="left", box=box.ROUNDED
        )
    lines = Text()
    lines.append(f"cluster {c.cluster_id} · {c.size} records\n", style="bold")
    if c.representative:
        lines.append("this record is the one kept\n", style="green")
    else:
        sim = f" (similarity {c.similarity:.2f})" if c.similarity is not None else ""
        lines.append(f"duplicate of the kept record{sim}\n", style="yellow")
    for member_id, rep, sim in c.members:
        here = " ← this" if member_id == item.id else ""
        tag = "kept" if rep else (f"{sim:.2f}" if sim is not None else "dup")
        lines.append(f"  {inert_line(member_id)}  {tag}{here}\n", style="bold" if here else "")
    lines.rstrip()
    return Panel(
        lines, title="Duplicates", title_align="left", box=box.ROUNDED, border_style="yellow"
    )


def record_bar(item: ReviewItem) -> Text:
    """One line about the record: id, kind, state, origin, tags and its last decision."""
    r = item.record
    text = Text()
    text.append(r.id, style="bold")
    text.append(f"  {r.kind}", style="cyan")
    text.append(f"  {item.state}", style=f"bold {STATE_STYLE.get(item.state, '')}")
    text.append(
        f"  {r.provenance.origin}", style="magenta" if r.provenance.origin == "synthetic" else ""
    )
    if item.skipped:
        text.append("  skipped before", style="dim")
    if r.tags:
        tags = " ".join(f"{k}={v}" for k, v in sorted(r.tags.items()))
        text.append("  " + inert_line(tags), style="dim")
    if item.last is not None and item.last.action != "skip":
        last = item.last
        why = f" ({last.reason})" if last.reason else ""
        text.append(inert_line(f"  last: {last.action} by {last.reviewer}{why}"), style="dim")
    return text


def progress(stats: HeaderStats | None, filters: str, position: str) -> Text:
    """The header line: reviewed / total, approved / rejected, synthetic share vs limit."""
    text = Text()
    text.append(" curate review ", style="bold reverse")
    if stats is None:
        text.append("  counting…", style="dim")
    else:
        c = stats.counts
        share = f"{c.reviewed / c.total:.0%}" if c.total else "0%"
        text.append(f"  reviewed {c.reviewed:,}/{c.total:,} ({share})", style="bold")
        text.append("  approved ", style="dim")
        text.append(f"{c.approved:,}", style="green")
        text.append("  rejected ", style="dim")
        text.append(f"{c.rejected:,}", style="red")
        text.append("  pending ", style="dim")
        text.append(f"{c.pending:,}", style="yellow")
        over = stats.over_limit
        text.append("  synthetic ", style="dim")
        text.append(
            f"{stats.synthetic_share:.1%} / limit {stats.max_synthetic_share:.0%}",
            style="bold red" if over else "",
        )
        if over:
            text.append(" over", style="bold red")
    if position:
        text.append(f"  {position}", style="dim")
    if filters:
        text.append(f"  [{inert_line(filters)}]", style="cyan")
    return text
