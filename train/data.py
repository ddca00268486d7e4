"""Read an export directory: its manifest, hash checks of its files, and its splits as datasets."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from train.errors import ExportError
from train.files import sha256_file

SPLITS = ("train", "validation", "test")
KINDS = ("sft", "preference")


@dataclass(frozen=True)
class FileCheck:
    """One split file compared with its manifest entry."""

    split: str
    path: str
    expected_sha256: str | None
    actual_sha256: str | None
    expected_rows: int | None

    @property
    def exists(self) -> bool:
        return self.actual_sha256 is not None

    @property
    def ok(self) -> bool:
        return self.exists and self.expected_sha256 == self.actual_sha256


@dataclass(frozen=True)
class Export:
    """An export directory and its parsed manifest."""

    root: Path
    manifest: dict[str, Any]
    manifest_sha256: str

    @property
    def kind(self) -> str:
        return str(self.manifest.get("kind", "sft"))

    @property
    def splits(self) -> list[str]:
        files = self.manifest.get("files") or {}
        return [name for name in SPLITS if name in files]

    def path_of(self, split: str) -> Path:
        entry = self.manifest["files"][split]
        return self.root / str(entry["path"])


def open_export(root: str | Path) -> Export:
    """Open an export directory and parse its manifest.json (no hashing yet)."""
    root = Path(root)
    if not root.is_dir():
        raise ExportError(
            f"Export directory {root} does not exist.", "Write one with: curate export --format trl"
        )
    mpath = root / "manifest.json"
    try:
        raw = mpath.read_bytes()
    except FileNotFoundError:
        raise ExportError(
            f"{root} has no manifest.json, so it is not an export directory.",
            "Write one with: curate export --format trl",
        ) from None
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ExportError(f"{mpath} is not valid JSON ({exc}).") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise ExportError(f"{mpath} lists no files (no 'files' object).")
    if manifest.get("kind", "sft") not in KINDS:
        raise ExportError(
            f"{mpath} has kind {manifest.get('kind')!r}; the trainer reads sft or preference."
        )
    if "train" not in manifest["files"]:
        raise ExportError(f"{mpath} has no train split.")
    for split, entry in manifest["files"].items():
        if not isinstance(entry, dict) or "path" not in entry:
            raise ExportError(f"{mpath}: the entry of split '{split}' has no path.")
        if Path(str(entry["path"])).is_absolute() or ".." in Path(str(entry["path"])).parts:
            raise ExportError(f"{mpath}: the path of split '{split}' leaves the export directory.")
    return Export(root=root, manifest=manifest, manifest_sha256=hashlib.sha256(raw).hexdigest())


def check_files(export: Export) -> list[FileCheck]:
    """Hash every split file and compare with the manifest."""
    checks = []
    for split in export.splits:
        entry = export.manifest["files"][split]
        path = export.path_of(split)
        actual = sha256_file(path) if path.is_file() else None
        checks.append(
            FileCheck(
                split=split,
                path=str(entry["path"]),
                expected_sha256=entry.get("sha256"),
                actual_sha256=actual,
                expected_rows=entry.get("rows"),
            )
        )
    return checks


def read_rows(path: Path) -> list[dict[str, Any]]:
    """Rows of a JSONL or Parquet split file, as plain dicts."""
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    rows = []
    with open(path, encoding="utf-8") as handle:
        for lineno, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ExportError(f"{path} line {lineno} is not valid JSON ({exc.msg}).") from None
            if not isinstance(row, dict):
                raise ExportError(f"{path} line {lineno} is not a JSON object.")
            rows.append(row)
    return rows


def normalise_row(row: dict[str, Any]) -> dict[str, Any]:
    """Tools become a JSON string (TRL parses it), so Arrow does not merge their schemas."""
    out = dict(row)
    tools = out.get("tools")
    if tools is not None and not isinstance(tools, str):
        out["tools"] = json.dumps(tools, ensure_ascii=False)
    return out


def load_split(export: Export, split: str) -> Any:
    """One split as a `datasets.Dataset` (in memory; nothing is cached on disk)."""
    from datasets import Dataset

    rows = [normalise_row(row) for row in read_rows(export.path_of(split))]
    if not rows:
        return Dataset.from_dict({})
    # from_list takes its columns from the first row: give every row every key
    keys = list(dict.fromkeys(key for row in rows for key in row))
    return Dataset.from_list([{key: row.get(key) for key in keys} for row in rows])


def load_splits(export: Export) -> dict[str, Any]:
    """All splits present in the manifest, by name."""
    return {split: load_split(export, split) for split in export.splits}
