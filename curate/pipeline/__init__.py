"""The curation pipeline over sharded input: the same batch stages in-process or on Ray Data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from curate.pipeline.plan import PipelinePlan


def run_pipeline(
    plan: PipelinePlan, progress: Callable[[str, int, int | None], None] | None = None
) -> dict[str, Any]:
    """Run ``plan`` on its engine; returns the manifest written to ``plan.out``."""
    if plan.engine == "ray":
        from curate.pipeline.ray_engine import run_ray

        return run_ray(plan, progress)
    from curate.pipeline.local import run_local

    return run_local(plan, progress)


__all__ = ["PipelinePlan", "run_pipeline"]
