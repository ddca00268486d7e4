"""The side panels: provenance, check results (reason codes, scores) and duplicate cluster."""

from __future__ import annotations

from textual.widgets import Static

from curate.review.item import ReviewItem
from curate.review.tui.widgets import render


class ProvenancePanel(Static):
    """Where the record came from: file and line, importer, generator, model, tags."""

    def show(self, item: ReviewItem) -> None:
        self.update(render.Cached(render.provenance(item)))


class ChecksPanel(Static):
    """The record's results in the latest check run, failures first."""

    def show(self, item: ReviewItem) -> None:
        self.update(render.Cached(render.checks(item)))


class ClusterPanel(Static):
    """The record's duplicate cluster in the latest dedupe run."""

    def show(self, item: ReviewItem) -> None:
        self.update(render.Cached(render.cluster(item)))
