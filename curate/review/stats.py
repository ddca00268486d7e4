"""Numbers for the review header and dashboard, each computed with a few SQL queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from curate.review.queue import QueueCounts, ReviewQueue
from curate.store import Store
from curate.store.lengths import length_buckets, reviewable_count
from curate.store.usable import usable_by_origin
from curate.synthetic_share import share, share_over_limit
from curate.workspace import Workspace

LENGTH_EDGES = (0, 250, 500, 1_000, 2_000, 4_000, 8_000, 16_000)
LENGTH_SAMPLE = 20_000  # records measured at most (evenly spread) for the length histogram


@dataclass(frozen=True)
class HeaderStats:
    """Progress of the queue and the workspace's synthetic share against its limit."""

    counts: QueueCounts
    synthetic_share: float
    max_synthetic_share: float

    @property
    def over_limit(self) -> bool:
        return share_over_limit(self.synthetic_share, self.max_synthetic_share)


def synthetic_share(store: Store) -> float:
    """The synthetic share of the records that can still be exported (pending or approved)."""
    found = usable_by_origin(store.db)
    return share(found.get("synthetic", 0), sum(found.values()))


def header_stats(queue: ReviewQueue, max_share: float) -> HeaderStats:
    return HeaderStats(queue.counts(), synthetic_share(queue.store), max_share)


def _bucket_label(lo: int, hi: int | None) -> str:
    """``<250``, ``<1k``, ... and ``16k+`` for the last bucket (short: they label a plot)."""

    def k(n: int) -> str:
        return f"{n // 1000}k" if n >= 1000 else str(n)

    return f"{k(lo)}+" if hi is None else f"<{k(hi)}"


def length_histogram(store: Store) -> tuple[list[tuple[str, int]], int]:
    """Characters of turn text per record, bucketed; returns (buckets, records measured).

    Large workspaces are sampled evenly (every k-th row) to at most ``LENGTH_SAMPLE`` rows.
    """
    stride = max(1, -(-reviewable_count(store) // LENGTH_SAMPLE))
    found = length_buckets(store, LENGTH_EDGES, stride)
    buckets = []
    for i, lo in enumerate(LENGTH_EDGES):
        hi = LENGTH_EDGES[i + 1] if i + 1 < len(LENGTH_EDGES) else None
        buckets.append((_bucket_label(lo, hi), found.get(i, 0)))
    return buckets, sum(found.values())


@dataclass
class Dashboard:
    """What the dashboard screen shows."""

    status: dict[str, Any]
    queue: QueueCounts
    scores: dict[str, float | None] = field(default_factory=dict)
    overall: float | None = None
    lengths: list[tuple[str, int]] = field(default_factory=list)
    measured: int = 0


def collect_dashboard(workspace: Workspace, queue: ReviewQueue) -> Dashboard:
    """Counts by kind, origin, tag and review state, checklist scores and text lengths."""
    store = queue.store
    status = store.status(workspace.settings.max_synthetic_share)
    run = store.latest_run("checks")
    summary = (run.meta.get("summary") or {}) if run else {}
    lengths, measured = length_histogram(store)
    return Dashboard(
        status=status,
        queue=queue.counts(),
        scores=dict(summary.get("scores") or {}),
        overall=summary.get("overall"),
        lengths=lengths,
        measured=measured,
    )
