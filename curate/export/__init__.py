"""Exports: the reviewed workspace as files a trainer or a provider takes, with a manifest and a card.

``plan_export`` applies the explicit policy and the real:synthetic guard and renders every
row; ``write_export`` writes the split files atomically, re-reads them with the project's own
readers, then writes the dataset card and, last, ``manifest.json``. One module per target:
openai-jsonl, openai-preference, trl, alpaca, sharegpt, llama-factory, completion.
"""

from __future__ import annotations

from curate.export.plan import ExportPlan, NothingToExport, plan_export
from curate.export.run import ExportResult, export_workspace, write_export
from curate.export.targets import all_targets, get_target

__all__ = [
    "ExportPlan",
    "ExportResult",
    "NothingToExport",
    "all_targets",
    "export_workspace",
    "get_target",
    "plan_export",
    "write_export",
]
