"""Export directories: manifest parsing, hash checks, and splits as datasets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from train_exports import write_export

from train.data import check_files, load_split, open_export
from train.errors import ExportError


def test_hashes_match_for_an_untouched_export(sft_export: Path) -> None:
    export = open_export(sft_export)
    checks = check_files(export)
    assert [c.split for c in checks] == ["train", "validation", "test"]
    assert all(c.ok for c in checks)
    assert export.kind == "sft" and len(export.manifest_sha256) == 64


def test_a_changed_or_missing_file_fails_its_check(sft_export: Path) -> None:
    with open(sft_export / "train.jsonl", "a", encoding="utf-8") as handle:
        handle.write("\n")
    (sft_export / "test.jsonl").unlink()
    checks = {c.split: c for c in check_files(open_export(sft_export))}
    assert not checks["train"].ok and checks["train"].exists
    assert not checks["test"].exists
    assert checks["validation"].ok


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (lambda root: (root / "manifest.json").unlink(), "no manifest.json"),
        (
            lambda root: (root / "manifest.json").write_text("{nope", encoding="utf-8"),
            "not valid JSON",
        ),
        (lambda root: _edit(root, lambda m: m["files"].pop("train")), "no train split"),
        (lambda root: _edit(root, lambda m: m.update(kind="unpaired")), "kind 'unpaired'"),
        (
            lambda root: _edit(root, lambda m: m["files"]["train"].update(path="../x.jsonl")),
            "leaves the export",
        ),
    ],
)
def test_broken_exports_raise_export_error(sft_export: Path, mutate, fragment: str) -> None:
    mutate(sft_export)
    with pytest.raises(ExportError, match=fragment):
        open_export(sft_export)


def test_missing_directory_is_an_export_error(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="does not exist"):
        open_export(tmp_path / "nowhere")


def _edit(root: Path, change) -> None:
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    change(manifest)
    (root / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def test_rows_keep_columns_missing_from_the_first_row(tmp_path: Path) -> None:
    root = write_export(tmp_path / "e", counts=(2, 0, 0))
    rows = [
        json.loads(line) for line in (root / "train.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    rows[1]["tools"] = [
        {"type": "function", "function": {"name": "run_sql", "parameters": {"type": "object"}}}
    ]
    (root / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    ds = load_split(open_export(root), "train")
    assert ds[0]["tools"] is None
    assert json.loads(ds[1]["tools"])[0]["function"]["name"] == "run_sql"
    assert ds[1]["messages"][2]["role"] == "assistant"


def test_parquet_splits_load_like_jsonl(tmp_path: Path) -> None:
    import hashlib

    import pyarrow as pa
    import pyarrow.parquet as pq

    root = write_export(tmp_path / "e", counts=(3, 0, 0))
    rows = [
        json.loads(line) for line in (root / "train.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    pq.write_table(pa.Table.from_pylist(rows), root / "train.parquet")
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    digest = hashlib.sha256((root / "train.parquet").read_bytes()).hexdigest()
    manifest["files"]["train"] = {"path": "train.parquet", "sha256": digest, "rows": 3}
    (root / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    export = open_export(root)
    assert all(c.ok for c in check_files(export) if c.split == "train")
    ds = load_split(export, "train")
    assert ds["id"] == [r["id"] for r in rows]
    assert ds[1]["messages"][2]["content"] == rows[1]["messages"][2]["content"]
