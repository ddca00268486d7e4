"""The review header: progress (reviewed / total, approved / rejected) and synthetic share."""

from __future__ import annotations

from textual.widgets import Static

from curate.review.stats import HeaderStats
from curate.review.tui.widgets.render import progress


class ReviewHeader(Static):
    """One line at the top of the review screen (no clock: it shows only the workspace's state)."""

    def show(self, stats: HeaderStats | None, filters: str = "", position: str = "") -> None:
        self.update(progress(stats, filters, position))
