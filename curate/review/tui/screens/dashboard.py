"""The dashboard: counts by kind, origin, tag and review state, checklist scores, lengths."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Group, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid
from textual.screen import Screen
from textual.widgets import Footer, Static

from curate.inert import inert_line
from curate.review.filters import QueueFilters
from curate.review.queue import ReviewQueue
from curate.review.stats import Dashboard, collect_dashboard
from curate.review.tui.messages import DashboardLoaded, ReadFailed

if TYPE_CHECKING:
    from curate.review.tui.app import ReviewApp

PILLARS = ("accuracy", "consistency", "diversity", "completeness", "format")
TOP_TAG_VALUES = 6


def _n(n: int, word: str) -> str:
    """``1 cluster`` / ``3 clusters``."""
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def _table(title: str, rows: dict[str, Any], key: str, total: int | None = None) -> Table:
    table = Table(
        title=escape(inert_line(title)),
        title_justify="left",
        title_style="bold",
        box=None,
        expand=True,
    )
    table.add_column(key, overflow="fold")
    table.add_column("records", justify="right")
    if total:
        table.add_column("share", justify="right", style="dim")
    for name, n in rows.items():
        cells = [escape(inert_line(name)), f"{n:,}"]
        if total:
            cells.append(f"{n / total:.0%}")
        table.add_row(*cells)
    return table


def counts_view(data: Dashboard) -> RenderableType:
    """Records by kind and origin, the synthetic share, duplicates and the queue's progress."""
    s = data.status
    total = s["records"]
    share, limit = s["synthetic_share"], s["max_synthetic_share"]
    dup = s["duplicates"]
    line = Text(f"synthetic share {share:.1%} (limit {limit:.0%})")
    if s["synthetic_over_limit"]:
        line.append("  over the limit", style="bold red")
    dups = (
        f"{_n(dup['duplicate_records'], 'duplicate')} in {_n(dup['clusters'], 'cluster')}"
        if dup["run_id"] is not None
        else "no dedupe run yet"
    )
    q = data.queue
    queue = f"this queue: {q.reviewed:,} of {q.total:,} reviewed"
    return Group(
        _table("Kind", s["by_kind"], "kind", total),
        Text(""),
        _table("Origin", s["by_origin"], "origin", total),
        Text(""),
        line,
        Text(dups),
        Text(queue),
    )


def tags_view(data: Dashboard) -> RenderableType:
    """The most frequent values of each tag key."""
    tags: dict[str, dict[str, int]] = data.status["tags"]
    if not tags:
        return Text("No tags yet.", style="dim")
    parts: list[RenderableType] = []
    for key, values in sorted(tags.items()):
        top = dict(list(values.items())[:TOP_TAG_VALUES])
        rest = sum(values.values()) - sum(top.values())
        if rest:
            top["(others)"] = rest
        parts += [_table(f"tag {key}", top, key), Text("")]
    return Group(*parts[:-1])


class DashboardScreen(Screen[None]):
    """Numbers and plots of the whole workspace; read in the background when opened."""

    BINDINGS = [
        Binding("escape", "close", "Back"),
        Binding("d", "close", "Back", show=False),
        Binding("q", "close", "Back", show=False),
    ]

    def __init__(self, filters: QueueFilters, max_share: float) -> None:
        super().__init__()
        self.filters = filters
        self.max_share = max_share

    def compose(self) -> ComposeResult:
        from textual_plotext import PlotextPlot

        yield Static("Dashboard · reading the workspace…", id="dash-title")
        with Grid(id="dash-grid"):
            yield PlotextPlot(id="plot-state", classes="plot")
            yield PlotextPlot(id="plot-scores", classes="plot")
            yield PlotextPlot(id="plot-lengths", classes="plot")
            yield Static(id="dash-counts", classes="panel")
            yield Static(id="dash-tags", classes="panel")
            yield PlotextPlot(id="plot-checks", classes="plot")
        yield Footer()

    def on_mount(self) -> None:
        self.read_dashboard()

    @work(thread=True, group="dashboard", exit_on_error=False)
    def read_dashboard(self) -> None:
        app: ReviewApp = self.app  # type: ignore[assignment]
        try:
            data = collect_dashboard(app.workspace, ReviewQueue(app.reader, self.filters))
        except Exception as exc:  # reported in one sentence, never a traceback
            self.post_message(ReadFailed("dashboard", f"Reading the dashboard failed: {exc}"))
            return
        self.post_message(DashboardLoaded(data))

    def on_read_failed(self, message: ReadFailed) -> None:
        self.notify(message.text, severity="error")

    def _bars(
        self,
        widget_id: str,
        title: str,
        labels: list[str],
        values: list[float],
        limit: float | None = None,
        **kw: Any,
    ) -> None:
        from textual_plotext import PlotextPlot

        plot = self.query_one(f"#{widget_id}", PlotextPlot)
        plt = plot.plt
        plt.clear_figure()
        plt.title(title)
        if labels:
            positions = list(range(1, len(labels) + 1))
            plt.bar(positions, values, **kw)
            # fixed ticks: plotext would otherwise pick labels by the size it first drew at
            ticks = plt.yticks if kw.get("orientation") == "horizontal" else plt.xticks
            ticks(positions, labels)
            if limit is not None:
                (plt.xlim if kw.get("orientation") == "horizontal" else plt.ylim)(0, limit)
        plot.refresh()

    def on_dashboard_loaded(self, message: DashboardLoaded) -> None:
        data = message.data
        s = data.status
        checks = s["checks"]
        failing = checks["records_failing"]
        self.query_one("#dash-title", Static).update(
            Text.assemble(
                ("Dashboard", "bold"),
                f" · {s['records']:,} records · {checks['records_checked']:,} checked,"
                f" {failing:,} failing a check · lengths from {data.measured:,} records",
            )
        )
        states = {k: v for k, v in s["by_review_state"].items()}
        self._bars("plot-state", "Review state", list(states), list(states.values()))
        scored = {p: data.scores.get(p) for p in PILLARS if data.scores.get(p) is not None}
        title = "Scores (0-100)"
        if data.overall is not None:
            title += f", overall {data.overall:g}"
        elif not scored:
            title += ": run curate validate"
        self._bars(
            "plot-scores",
            title,
            list(scored),
            [float(v) for v in scored.values()],
            limit=100,
            orientation="horizontal",
        )
        labels = [label for label, _ in data.lengths]
        self._bars(
            "plot-lengths", "Turn text length (characters)", labels, [n for _, n in data.lengths]
        )
        failed = checks["failed"]
        top = dict(list(failed.items())[:8])
        self._bars(
            "plot-checks",
            "Failed checks by code" if top else "Failed checks: none",
            list(top),
            list(top.values()),
            orientation="horizontal",
        )
        self.query_one("#dash-counts", Static).update(counts_view(data))
        self.query_one("#dash-tags", Static).update(tags_view(data))

    def action_close(self) -> None:
        self.dismiss(None)
