"""Write a planned export: split files, extra files, re-read checks, the card, then the manifest."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from curate.export.atomic import MANIFEST, export_dir
from curate.export.card import render_card
from curate.export.manifest import build_manifest, tool_version
from curate.export.plan import ExportPlan, plan_export
from curate.export.verify import verify_file
from curate.io.atomic import atomic_path
from curate.io.write import open_row_writer
from curate.split.ratios import SPLITS
from curate.store.lock import exclusive

if TYPE_CHECKING:
    from curate.workspace import Workspace

CARD = "README.md"


@dataclass
class ExportResult:
    """A finished export: where it is, its files and its manifest."""

    out: Path
    plan: ExportPlan
    files: dict[str, str]
    manifest: dict[str, Any]


def write_bytes(path: Path, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def dataset_name(out: Path) -> str:
    """A dataset name from the export folder's name (letters, digits, ``_`` and ``-``).

    >>> dataset_name(Path("exports/My Data v2"))
    'my_data_v2'
    """
    name = re.sub(r"[^a-z0-9_-]+", "_", out.name.lower()).strip("_")
    return name or "dataset"


def write_split(path: Path, rows: list[dict[str, Any]]) -> set[str]:
    """Write one split file; returns the columns its rows hold."""
    columns: set[str] = set()
    with open_row_writer(path) as writer:
        for row in rows:
            writer.write(row)
            columns.update(row)
    return columns


def write_export(
    plan: ExportPlan, out: str | Path, name: str | None = None, workspace: Path | None = None
) -> ExportResult:
    """Write ``plan`` into the folder ``out`` atomically (raises the plan's refusal, if any).

    ``out`` must be new, empty or an earlier export curate wrote, and never ``workspace``, a
    folder containing it or one inside its ``.curate`` folder (see :mod:`curate.export.owned`).
    """
    if plan.refusal is not None:
        raise plan.refusal
    out = Path(out)
    title = name or dataset_name(Path(out).resolve())
    files: dict[str, str] = {}
    with export_dir(out, workspace) as tmp:
        columns: dict[str, set[str]] = {}
        for split in SPLITS:
            if not plan.rows[split]:
                continue
            files[split] = f"{split}.{plan.container}"
            columns[split] = write_split(tmp / files[split], plan.rows[split])
        others = []
        for file_name, data in plan.target.extra_files(plan.layout, files, columns, title).items():
            write_bytes(tmp / file_name, data)
            others.append(file_name)
        verification = {
            split: verify_file(
                tmp / path, plan.layout.reader, plan.records[split], plan.rows[split]
            )
            for split, path in files.items()
        }
        version = tool_version()
        write_bytes(tmp / CARD, render_card(plan, files, title, version).encode())
        manifest = build_manifest(plan, tmp, files, [*others, CARD], verification)
        write_bytes(tmp / MANIFEST, orjson.dumps(manifest, option=orjson.OPT_INDENT_2) + b"\n")
    return ExportResult(out, plan, files, manifest)


@exclusive("curate export")
def export_workspace(
    ws: Workspace, fmt: str, out: str | Path, *, name: str | None = None, **options: Any
) -> ExportResult:
    """Plan and write an export of the workspace (``options`` as for ``plan_export``)."""
    return write_export(plan_export(ws, fmt, **options), out, name, ws.root)
